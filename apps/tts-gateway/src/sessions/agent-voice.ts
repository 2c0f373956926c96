import { Injectable } from '@nestjs/common';
import { Bus, BusRemoteError } from '@voxbridge/bus';
import { AgentSubjects, ErrorCode, type AgentIdRequest } from '@voxbridge/contracts';
import type { VoiceParams } from '../providers';
import { SessionsError, SessionsErrorCode } from './sessions.errors';

/** What tts-gateway needs of an agent (`AgentDto`): which provider, which voice, whether to drop `*actions*`. */
export interface AgentVoice {
  agentId: string;
  /** `chatterbox` | `openai_compatible` | `local`. */
  provider: string;
  voice: VoiceParams;
  filterActions: boolean;
}

const AGENT_REQUEST_TIMEOUT_MS = 3_000;

/** Fetches agents from agent-api (`AgentSubjects.get`) when a session is taken. */
@Injectable()
export class AgentDirectory {
  constructor(private readonly bus: Bus) {}

  async voiceOf(agentId: string): Promise<AgentVoice> {
    const request: AgentIdRequest = { id: agentId };
    let agent: unknown;
    try {
      agent = await this.bus.requestJson<object>(AgentSubjects.get, request, { timeoutMs: AGENT_REQUEST_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof BusRemoteError && error.code === ErrorCode.NotFound) {
        throw new SessionsError(SessionsErrorCode.AgentNotFound, 'agent not found', { cause: error });
      }
      throw new SessionsError(SessionsErrorCode.AgentUnavailable, 'agent-api did not give the agent', { cause: error });
    }
    return parseAgentVoice(agentId, agent);
  }
}

/**
 * The voice settings of an `AgentDto` from the wire, checked field by field (the reply is not
 * validated by the bus: the DTO is agent-api's, with many fields this service ignores).
 */
export function parseAgentVoice(agentId: string, agent: unknown): AgentVoice {
  if (typeof agent !== 'object' || agent === null) throw invalid('body must be an object');
  const a = agent as Record<string, unknown>;
  if (typeof a['tts_provider'] !== 'string' || a['tts_provider'] === '') throw invalid('tts_provider must be a non-empty string');
  const voice: VoiceParams = {};
  const text = (field: string): string | undefined => {
    const value = a[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw invalid(`${field} must be a string`);
    return value;
  };
  const number = (field: string): number | undefined => {
    const value = a[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${field} must be a number`);
    return value;
  };
  const assign = <K extends keyof VoiceParams>(key: K, value: VoiceParams[K] | undefined) => {
    if (value !== undefined) voice[key] = value;
  };
  assign('voice', text('tts_voice'));
  assign('language', text('tts_language'));
  assign('exaggeration', number('tts_exaggeration'));
  assign('cfgWeight', number('tts_cfg_weight'));
  assign('temperature', number('tts_temperature'));
  assign('speed', number('tts_speed'));
  const filter = a['filter_actions_for_tts'];
  if (filter !== undefined && typeof filter !== 'boolean') throw invalid('filter_actions_for_tts must be a boolean');
  return { agentId, provider: a['tts_provider'], voice, filterActions: filter === true };
}

function invalid(problem: string): SessionsError {
  return new SessionsError(SessionsErrorCode.AgentInvalid, `agent from agent-api is unusable: ${problem}`);
}
