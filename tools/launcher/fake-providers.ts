import { FakeChatterboxServer, FakeOpenAiCompatibleServer, FakeWhisperXServer } from '@voxbridge/testing';

/**
 * `npm start -- --fake-providers`: scripted STT, LLM and TTS servers speaking the real protocols
 * (WhisperX WebSocket, OpenRouter-style SSE, Chatterbox streamed WAV), so a conversation works on a
 * machine with no models, keys or network. The services' environment points them at the fakes, and
 * the seeded agents' `auto` providers resolve to them: WHISPERX_URL comes first for stt-gateway,
 * OPENROUTER_API_KEY for llm-router, CHATTERBOX_URL for tts-gateway (agents naming whisperx,
 * openrouter or chatterbox outright reach them too).
 *
 * Latencies are the voice benchmark's defaults: STT final 150 ms after the end of speech, LLM
 * time to first token 250 ms then 50 tokens/s, TTS first byte after 120 ms.
 */
export const FAKE_LATENCIES = { sttFinalMs: 150, llmTtftMs: 250, llmTokensPerSecond: 50, ttsTtfbMs: 120 } as const;

const FAKE_REPLY =
  'I am a scripted voice running on fake providers. Point me at a real model, and I will say something smarter. ' +
  'Until then, you can interrupt me whenever you like, and the conversation will remember what you actually heard.';

export interface FakeProviders {
  /** Environment for the services: where their providers are. */
  env: Record<string, string>;
  lines: string[];
  stop(): Promise<void>;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const stt = await FakeWhisperXServer.start({
    transcripts: ['Hello, who are you?', 'Tell me more about that.', 'Thanks, that is all.'],
    finalLatencyMs: FAKE_LATENCIES.sttFinalMs,
    partialEveryMs: 400,
  });
  const llm = await FakeOpenAiCompatibleServer.start({ keepAliveComment: true });
  llm.script({ tokens: FAKE_REPLY.split(/(?=\s)/), ttftMs: FAKE_LATENCIES.llmTtftMs, tokensPerSecond: FAKE_LATENCIES.llmTokensPerSecond });
  const tts = await FakeChatterboxServer.start({ script: { ttfbMs: FAKE_LATENCIES.ttsTtfbMs } });
  return {
    env: {
      WHISPERX_URL: stt.url,
      OPENROUTER_BASE_URL: llm.url,
      OPENROUTER_API_KEY: 'fake-openrouter-key',
      CHATTERBOX_URL: tts.url,
    },
    lines: [
      `fake STT (WhisperX protocol)     ${stt.url}`,
      `fake LLM (OpenRouter protocol)   ${llm.url}`,
      `fake TTS (Chatterbox protocol)   ${tts.url}`,
    ],
    stop: async () => {
      await Promise.all([stt.stop(), llm.close(), tts.stop()]);
    },
  };
}
