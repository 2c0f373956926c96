/**
 * TTS providers that stall, against the first-audio and inter-chunk deadlines (issue 12, item 5).
 * Real: the providers and undici over real sockets. Fake: Chatterbox and OpenAI speech servers
 * (@voxbridge/testing) that hang before any audio or half-way. No verdict depends on elapsed time.
 */
import { expectEventually, FakeChatterboxServer, FakeOpenAiSpeechServer } from '@voxbridge/testing';
import { ChatterboxProvider, OpenAiSpeechProvider, TtsErrorCode, TtsProvider, TtsProviderError } from '../src/providers';

const WAV_HEADER_BYTES = 44;

async function synthesis(provider: TtsProvider, deadlines: { firstAudioMs?: number; interChunkMs?: number }): Promise<{ bytes: number; error?: TtsProviderError }> {
  let bytes = 0;
  try {
    for await (const chunk of provider.synthesize({ text: 'A sentence that takes a while to say.', voice: {}, signal: new AbortController().signal, deadlines })) {
      bytes += chunk.byteLength;
    }
  } catch (error) {
    if (error instanceof TtsProviderError) return { bytes, error };
    throw error;
  }
  return { bytes };
}

describe('TTS deadlines', () => {
  let chatterbox: FakeChatterboxServer;
  let openai: FakeOpenAiSpeechServer;

  beforeEach(async () => {
    chatterbox = await FakeChatterboxServer.start();
    openai = await FakeOpenAiSpeechServer.start();
  });

  afterEach(async () => {
    await chatterbox.stop();
    await openai.stop();
  });

  it('fails with timeout naming the first-audio deadline when the provider sends nothing, and closes the request', async () => {
    chatterbox.respondNext({ hangBeforeHeaders: true });

    const result = await synthesis(new ChatterboxProvider({ baseUrl: chatterbox.url }), { firstAudioMs: 600 });

    expect(result.bytes).toBe(0);
    expect(result.error).toMatchObject({ code: TtsErrorCode.Timeout, provider: 'chatterbox', retryable: true });
    expect(result.error?.message).toBe('chatterbox sent no audio within 600 ms of the request (first-audio deadline)');
    await expectEventually(() => expect(chatterbox.disconnects).toHaveLength(1));
  });

  it('fails with timeout naming the inter-chunk deadline when the audio stops half-way, and closes the request', async () => {
    openai.respondNext({ chunkBytes: 1_000, hangAfterBytes: WAV_HEADER_BYTES + 4_000 });

    const result = await synthesis(new OpenAiSpeechProvider({ baseUrl: openai.url }), { interChunkMs: 600 });

    expect(result.bytes).toBe(WAV_HEADER_BYTES + 4_000);
    expect(result.error).toMatchObject({ code: TtsErrorCode.Timeout, provider: 'openai' });
    expect(result.error?.message).toContain(`stalled: no audio for 600 ms after ${WAV_HEADER_BYTES + 4_000} bytes (inter-chunk deadline)`);
    await expectEventually(() => expect(openai.disconnects).toHaveLength(1));
  });

  it('does not count the time the caller holds a chunk against the provider', async () => {
    chatterbox.respondNext({ chunkBytes: 2_000 });
    const provider = new ChatterboxProvider({ baseUrl: chatterbox.url });
    let bytes = 0;
    let held = false;
    for await (const chunk of provider.synthesize({ text: 'Hold on a moment.', voice: {}, signal: new AbortController().signal, deadlines: { interChunkMs: 500 } })) {
      bytes += chunk.byteLength;
      if (!held) {
        held = true;
        // The caller is busy (e.g. playing audio) well past the deadline: only its own time passes.
        await expectEventually(() => expect(chatterbox.events.some((e) => e.type === 'response-end')).toBe(true));
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
    }

    expect(held).toBe(true);
    expect(bytes).toBeGreaterThan(WAV_HEADER_BYTES);
  });
});
