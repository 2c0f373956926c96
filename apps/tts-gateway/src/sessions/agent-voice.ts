import { Injectable } from '@nestjs/common';
import { Bus, BusRemoteError, BusValidationError, describeCallFailure } from '@voxbridge/bus';
import { AgentContracts, agentDeadlineMs, DEFAULT_AGENT_DEADLINES, ErrorCode, type AgentDto } from '@voxbridge/contracts';
import type { AudioDeadlines, VoiceParams } from '../providers';
import { SessionsError, SessionsErrorCode } from './sessions.errors';

/** What tts-gateway needs of an agent (`AgentDto`): which provider, which voice, whether to drop `*actions*`. */
export interface AgentVoice {
  agentId: string;
  /** `chatterbox` | `openai_compatible` | `local`. */
  provider: string;
  voice: VoiceParams;
  filterActions: boolean;
  /** The agent's TTS deadlines (`tts_first_audio_ms`, `tts_inter_chunk_ms`), defaults filled in; absent: the providers' defaults. */
  deadlines?: AudioDeadlines;
}

/** Fetches agents from agent-api (`AgentContracts.get`) when a session is taken. */
@Injectable()
export class AgentDirectory {
  constructor(private readonly bus: Bus) {}

  async voiceOf(agentId: string): Promise<AgentVoice> {
    try {
      return agentVoiceOf(await this.bus.call(AgentContracts.get, { id: agentId }));
    } catch (error) {
      if (error instanceof BusRemoteError && error.code === ErrorCode.NotFound) {
        throw new SessionsError(SessionsErrorCode.AgentNotFound, 'agent not found', { cause: error });
      }
      if (error instanceof BusValidationError) {
        throw new SessionsError(SessionsErrorCode.AgentInvalid, `agent from agent-api is unusable: ${error.problems.join('; ')}`, { cause: error });
      }
      throw new SessionsError(SessionsErrorCode.AgentUnavailable, `agent look-up failed: ${describeCallFailure('agent-api', error).message}`, { cause: error });
    }
  }
}

/** The voice settings of an agent (already validated as `AgentReply`); unset ones are left out. */
export function agentVoiceOf(agent: AgentDto): AgentVoice {
  const voice: VoiceParams = {};
  if (agent.tts_voice) voice.voice = agent.tts_voice;
  if (agent.tts_language) voice.language = agent.tts_language;
  voice.exaggeration = agent.tts_exaggeration;
  voice.cfgWeight = agent.tts_cfg_weight;
  voice.temperature = agent.tts_temperature;
  voice.speed = agent.tts_speed;
  // An agent without deadlines leaves them to the providers' defaults (DEFAULT_AGENT_DEADLINES).
  const deadlines: AudioDeadlines | undefined = agent.deadlines
    ? {
        firstAudioMs: agentDeadlineMs(agent.deadlines, 'tts_first_audio_ms', DEFAULT_AGENT_DEADLINES.tts_first_audio_ms),
        interChunkMs: agentDeadlineMs(agent.deadlines, 'tts_inter_chunk_ms', DEFAULT_AGENT_DEADLINES.tts_inter_chunk_ms),
      }
    : undefined;
  return { agentId: agent.id, provider: agent.tts_provider, voice, filterActions: agent.filter_actions_for_tts, deadlines };
}
