import { AUDIO_OUT_SAMPLE_RATE_HZ, encodeWav } from '@voxbridge/audio';
import { DEFAULT_AGENT_DEADLINES } from '@voxbridge/contracts';
import { agentDto } from '@voxbridge/service-testing';
import type { SynthesisRequest, TtsProvider } from '../providers';
import { agentVoiceOf } from '../sessions/agent-voice';
import { SynthesisPipeline } from './synthesis-pipeline';

/** Speaks 20 ms of silence per sentence and keeps every request it was given. */
function recordingProvider(): TtsProvider & { requests: SynthesisRequest[] } {
  const requests: SynthesisRequest[] = [];
  return {
    name: 'recording',
    capabilities: { streaming: true, offline: true, voiceParams: [] },
    requests,
    synthesize: async function* (request) {
      requests.push(request);
      yield encodeWav(new Int16Array(AUDIO_OUT_SAMPLE_RATE_HZ / 50), AUDIO_OUT_SAMPLE_RATE_HZ);
    },
  };
}

async function synthesizeAll(pipeline: SynthesisPipeline, sentences: string[]): Promise<number> {
  let frames = 0;
  for await (const _frame of pipeline.run(sentences)) frames += 1;
  return frames;
}

describe('the agent\'s TTS deadlines reach the provider', () => {
  it('passes tts_first_audio_ms and tts_inter_chunk_ms with every sentence\'s synthesis request', async () => {
    const agent = agentVoiceOf(agentDto({ deadlines: { tts_first_audio_ms: 1_500, tts_inter_chunk_ms: 900 } }));
    const provider = recordingProvider();

    const frames = await synthesizeAll(new SynthesisPipeline({ provider, voice: agent.voice, deadlines: agent.deadlines }), ['One.', 'Two.']);

    expect(frames).toBe(2);
    expect(provider.requests.map((r) => [r.text, r.deadlines])).toEqual([
      ['One.', { firstAudioMs: 1_500, interChunkMs: 900 }],
      ['Two.', { firstAudioMs: 1_500, interChunkMs: 900 }],
    ]);
  });

  it('fills in the default for a deadline the agent left null', async () => {
    const agent = agentVoiceOf(agentDto({ deadlines: { tts_first_audio_ms: null, tts_inter_chunk_ms: 2_500 } }));
    const provider = recordingProvider();

    await synthesizeAll(new SynthesisPipeline({ provider, voice: agent.voice, deadlines: agent.deadlines }), ['Only.']);

    expect(provider.requests[0]?.deadlines).toEqual({ firstAudioMs: DEFAULT_AGENT_DEADLINES.tts_first_audio_ms, interChunkMs: 2_500 });
  });

  it('leaves the deadlines to the provider\'s defaults for an agent without any', async () => {
    const agent = agentVoiceOf(agentDto({ deadlines: null }));
    const provider = recordingProvider();

    await synthesizeAll(new SynthesisPipeline({ provider, voice: agent.voice, deadlines: agent.deadlines }), ['Only.']);

    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]?.deadlines).toBeUndefined();
  });
});
