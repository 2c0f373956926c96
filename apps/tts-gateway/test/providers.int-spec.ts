/**
 * TTS providers and the synthesis pipeline over real HTTP: the Chatterbox and OpenAI fakes from
 * @voxbridge/testing are real servers speaking the wire protocols; the offline engine is the real
 * flite / espeak-ng binary. Nothing of ours is mocked.
 */
import { AUDIO_OUT_FRAME_BYTES, AUDIO_OUT_SAMPLE_RATE_HZ, rmsDbfs, samplesOf } from '@voxbridge/audio';
import { expectEventually, FakeChatterboxServer, FakeOpenAiSpeechServer, FakeSpeechServer, toneDurationMs } from '@voxbridge/testing';
import {
  ChatterboxProvider,
  detectLocalTtsEngine,
  LocalTtsEngineName,
  LocalTtsProvider,
  OpenAiSpeechProvider,
  TtsErrorCode,
  TtsProvider,
  TtsProviderError,
  VoiceParams,
} from '../src/providers';
import { SynthesisPipeline, SynthesizedFrame } from '../src/synthesis';

const FRAME_MS = 20;
const WAV_HEADER_BYTES = 44;
const AGENT_VOICE: VoiceParams = { voice: 'narrator', exaggeration: 1.4, cfgWeight: 0.35, temperature: 0.8, language: 'de', speed: 1.1 };

async function collect(frames: AsyncIterable<SynthesizedFrame>): Promise<SynthesizedFrame[]> {
  const out: SynthesizedFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

async function synthesisError(provider: TtsProvider, text: string, signal = new AbortController().signal): Promise<TtsProviderError> {
  try {
    for await (const _chunk of provider.synthesize({ text, voice: {}, signal })) {
      // drain
    }
  } catch (error) {
    if (error instanceof TtsProviderError) return error;
    throw error;
  }
  throw new Error('synthesis succeeded, an error was expected');
}

function samplesOfFrames(frames: SynthesizedFrame[]): Int16Array {
  return Int16Array.from(frames.flatMap((f) => Array.from(samplesOf(f.bytes))));
}

/** Zero crossings per second / 2: the frequency of a pure tone. */
function dominantHz(samples: Int16Array, rateHz: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (((samples[i - 1] ?? 0) < 0) !== ((samples[i] ?? 0) < 0)) crossings++;
  return (crossings / 2) * (rateHz / samples.length);
}

describe(ChatterboxProvider.name, () => {
  let fake: FakeChatterboxServer;
  beforeEach(async () => {
    fake = await FakeChatterboxServer.start({ tone: { sampleRateHz: 22_050, frequencyHz: 440 }, knownVoices: ['narrator', 'default'] });
  });
  afterEach(() => fake.stop());

  it("sends the agent's voice parameters as the original's form fields, with no health probe", async () => {
    const sut = new SynthesisPipeline({ provider: new ChatterboxProvider({ baseUrl: fake.url }), voice: AGENT_VOICE });
    await collect(sut.run(['Guten Tag, wie geht es?', 'Mir geht es gut.']));

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /audio/speech/stream/upload',
      'POST /audio/speech/stream/upload',
    ]);
    expect(fake.requests[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(fake.requests[0]?.fields).toEqual({
      input: 'Guten Tag, wie geht es?',
      response_format: 'wav',
      voice: 'narrator',
      language: 'de',
      exaggeration: '1.4',
      cfg_weight: '0.35',
      temperature: '0.8',
      streaming_strategy: 'word',
      streaming_chunk_size: '100',
      streaming_buffer_size: '3',
      streaming_quality: 'fast',
    });
    expect(fake.requests[1]?.fields['input']).toBe('Mir geht es gut.');
  });

  it('keeps a base URL ending in /v1 (or a digit) as given', async () => {
    const sut = new ChatterboxProvider({ baseUrl: `${fake.url}/v1/` });
    await collect(new SynthesisPipeline({ provider: sut, voice: {} }).run(['Short and sweet.']));
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/audio/speech/stream/upload']);
    expect(fake.requests[0]?.fields['voice']).toBe('default');
  });

  it('turns a streamed 22050 Hz WAV into exact 24 kHz 20 ms frames, keeping duration and pitch', async () => {
    const sentences = ['The quick brown fox jumps over the lazy dog.', 'It was not amused by that at all.'];
    fake.respondNext({ chunkBytes: 1_001 }, { chunkBytes: 333 });
    const sut = new SynthesisPipeline({ provider: new ChatterboxProvider({ baseUrl: fake.url }), voice: AGENT_VOICE });
    const frames = await collect(sut.run(sentences));

    expect(frames.every((f) => f.bytes.byteLength === AUDIO_OUT_FRAME_BYTES)).toBe(true);
    expect(frames.map((f) => f.sequence)).toEqual(frames.map((_, i) => i));
    const expectedMs = sentences.reduce((sum, text) => sum + toneDurationMs(text, { msPerChar: 60, sampleRateHz: 22_050 }), 0);
    expect(Math.abs(frames.length * FRAME_MS - expectedMs)).toBeLessThanOrEqual(FRAME_MS);
    const hz = dominantHz(samplesOfFrames(frames.slice(0, -1)), AUDIO_OUT_SAMPLE_RATE_HZ);
    expect(hz).toBeGreaterThan(430);
    expect(hz).toBeLessThan(450);
    expect(sut.heardText(frames.length)).toBe(sentences.join(' '));
    expect(sut.reports.map((r) => r.index)).toEqual([0, 1]);
    expect(sut.reports.every((r) => r.ttfbMs !== undefined && r.ttfbMs >= 0)).toBe(true);
  });

  it('requests the next sentence while the current one is still being played', async () => {
    // Sentence 0's audio is held half-way until the fake has seen sentence 1's request: without
    // look-ahead this could never finish.
    fake.respondNext({ chunkBytes: 4_096, holdAfterBytes: WAV_HEADER_BYTES + 8_192, holdUntil: fake.until((s) => s.requests.length >= 2) });
    const sut = new SynthesisPipeline({ provider: new ChatterboxProvider({ baseUrl: fake.url }), voice: AGENT_VOICE, lookahead: 1 });
    const seen: Array<{ sentenceIndex: number; requests: number }> = [];
    for await (const frame of sut.run(['First sentence, which is rather long indeed.', 'Second sentence here.', 'Third one.'])) {
      seen.push({ sentenceIndex: frame.sentenceIndex, requests: fake.requests.length });
    }

    const firstSentence = seen.filter((s) => s.sentenceIndex === 0);
    expect(firstSentence.length).toBeGreaterThan(1);
    expect(firstSentence[firstSentence.length - 1]?.requests).toBeGreaterThanOrEqual(2);
    const order = fake.events.map((e) => `${e.type}#${e.requestIndex}`);
    expect(order.indexOf('request#1')).toBeLessThan(order.indexOf('response-end#0'));
    // Bounded: the third sentence is only requested once the first has been fully received.
    expect(order.indexOf('request#2')).toBeGreaterThan(order.indexOf('response-end#0'));
    expect(seen.map((s) => s.sentenceIndex)).toEqual([...seen.map((s) => s.sentenceIndex)].sort((a, b) => a - b));
  });

  it('aborts mid-sentence: the fake sees the disconnect and no further frame comes out', async () => {
    fake.respondNext({ hangAfterBytes: WAV_HEADER_BYTES + 22_050 }, { hangAfterBytes: WAV_HEADER_BYTES + 22_050 });
    const sut = new SynthesisPipeline({ provider: new ChatterboxProvider({ baseUrl: fake.url }), voice: AGENT_VOICE });
    const frames = sut.run(['A sentence that is cut off by the user.', 'And one that was synthesized ahead.'])[Symbol.asyncIterator]();

    const first = await frames.next();
    expect(first.done).toBe(false);
    await fake.until((s) => s.requests.length === 2);
    sut.abort();

    expect(await frames.next()).toEqual({ done: true, value: undefined });
    await expectEventually(() => expect(fake.disconnects.map((e) => e.requestIndex).sort()).toEqual([0, 1]), {
      context: () => JSON.stringify(fake.events),
    });
    expect(fake.events.some((e) => e.type === 'response-end')).toBe(false);
    expect(sut.heardText(1)).toBe('');
  });

  it.each([
    ['unavailable on 503', { status: 503 }, TtsErrorCode.Unavailable],
    ['bad_request on 400', { status: 400 }, TtsErrorCode.BadRequest],
    ['unavailable when the stream breaks off', { resetAfterBytes: WAV_HEADER_BYTES + 2_000 }, TtsErrorCode.Unavailable],
  ])('fails with a typed error: %s', async (_title, script, code) => {
    fake.respondNext(script);
    const error = await synthesisError(new ChatterboxProvider({ baseUrl: fake.url }), 'Hello there.');
    expect(error).toMatchObject({ code, provider: 'chatterbox' });
  });

  it('fails with bad_request for an unknown voice, and timeout when no headers come', async () => {
    const provider = new ChatterboxProvider({ baseUrl: fake.url, defaultVoice: 'nobody' });
    expect(await synthesisError(provider, 'Hi there.')).toMatchObject({ code: TtsErrorCode.BadRequest, details: { statusCode: 404 } });
    fake.respondNext({ hangBeforeHeaders: true });
    const slow = new ChatterboxProvider({ baseUrl: fake.url, headersTimeoutMs: 200 });
    expect(await synthesisError(slow, 'Hi there.')).toMatchObject({ code: TtsErrorCode.Timeout });
  });

  it('fails with unavailable when nothing listens, and aborted when aborted', async () => {
    const url = fake.url;
    await fake.stop();
    expect(await synthesisError(new ChatterboxProvider({ baseUrl: url }), 'Hi.')).toMatchObject({ code: TtsErrorCode.Unavailable });
    fake = await FakeChatterboxServer.start();
    const controller = new AbortController();
    controller.abort();
    expect(await synthesisError(new ChatterboxProvider({ baseUrl: fake.url }), 'Hi.', controller.signal)).toMatchObject({ code: TtsErrorCode.Aborted });
  });

  it('emits the frames of the sentences before a failing one, then throws its typed error', async () => {
    fake.respondNext({}, { status: 503 });
    const sut = new SynthesisPipeline({ provider: new ChatterboxProvider({ baseUrl: fake.url }), voice: AGENT_VOICE });
    const frames: SynthesizedFrame[] = [];
    const failure = (async () => {
      for await (const frame of sut.run(['This one works fine.', 'This one fails.'])) frames.push(frame);
    })();
    await expect(failure).rejects.toMatchObject({ name: 'TtsProviderError', code: TtsErrorCode.Unavailable });
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((f) => f.sentenceIndex === 0)).toBe(true);
  });
});

describe(OpenAiSpeechProvider.name, () => {
  let fake: FakeOpenAiSpeechServer;
  beforeEach(async () => {
    fake = await FakeOpenAiSpeechServer.start({ apiKey: 'sk-test', tone: { sampleRateHz: 22_050 } });
  });
  afterEach(() => fake.stop());

  it('posts the JSON body with the bearer key and decodes the WAV answer into frames', async () => {
    const provider = new OpenAiSpeechProvider({ baseUrl: `${fake.url}/v1`, apiKey: 'sk-test', model: 'tts-1-hd' });
    const sut = new SynthesisPipeline({ provider, voice: AGENT_VOICE });
    const frames = await collect(sut.run(['Hello from the OpenAI fake.']));

    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.headers['authorization']}`)).toEqual(['POST /v1/audio/speech Bearer sk-test']);
    expect(fake.requests[0]?.json).toEqual({ model: 'tts-1-hd', input: 'Hello from the OpenAI fake.', voice: 'narrator', response_format: 'wav', speed: 1.1 });
    const expectedMs = toneDurationMs('Hello from the OpenAI fake.', { msPerChar: 60, sampleRateHz: 22_050 });
    expect(Math.abs(frames.length * FRAME_MS - expectedMs)).toBeLessThanOrEqual(FRAME_MS);
  });

  it('reads raw 24 kHz pcm answers', async () => {
    const provider = new OpenAiSpeechProvider({ baseUrl: fake.url, apiKey: 'sk-test', responseFormat: 'pcm' });
    const frames = await collect(new SynthesisPipeline({ provider, voice: {} }).run(['Raw pcm please.']));
    expect(fake.requests[0]?.fields).toMatchObject({ response_format: 'pcm', voice: 'alloy', model: 'tts-1' });
    const expectedMs = toneDurationMs('Raw pcm please.', { msPerChar: 60, sampleRateHz: 24_000 });
    expect(Math.abs(frames.length * FRAME_MS - expectedMs)).toBeLessThanOrEqual(FRAME_MS);
  });

  it('fails with bad_request when the key is wrong', async () => {
    const error = await synthesisError(new OpenAiSpeechProvider({ baseUrl: fake.url, apiKey: 'wrong' }), 'Hi.');
    expect(error).toMatchObject({ code: TtsErrorCode.BadRequest, details: { statusCode: 401 } });
    expect(error.message).not.toContain('wrong');
  });
});

describe(LocalTtsProvider.name, () => {
  const engines: LocalTtsEngineName[] = ['flite', 'espeak-ng'];

  it.each(engines)('%s (when installed) speaks a sentence as non-silent 24 kHz frames', async (engine) => {
    const installed = await detectLocalTtsEngine(engine);
    if (!installed) {
      const other = await detectLocalTtsEngine('auto');
      // Skip with a reason when this engine is missing, but fail when no offline engine exists at all.
      expect(other).not.toBeNull();
      console.warn(`skipped: ${engine} is not on PATH (apt-get install ${engine}); ${other?.name} was tested instead`);
      return;
    }
    const sut = new SynthesisPipeline({ provider: await LocalTtsProvider.detect({ engine }), voice: { language: 'en' } });
    const frames = await collect(sut.run(['Hello, this is the offline voice speaking.']));

    expect(frames.length).toBeGreaterThan(25);
    expect(frames.every((f) => f.bytes.byteLength === AUDIO_OUT_FRAME_BYTES)).toBe(true);
    expect(rmsDbfs(samplesOfFrames(frames))).toBeGreaterThan(-40);
    expect(sut.reports[0]?.provider).toBe(`local:${engine}`);
  });

  it('kills the engine when aborted mid-sentence, and reports aborted', async () => {
    const provider = await LocalTtsProvider.detect({ engine: 'espeak-ng' }).catch((error: unknown) => error);
    if (!(provider instanceof LocalTtsProvider)) {
      console.warn('skipped: espeak-ng (the streaming offline engine) is not on PATH (apt-get install espeak-ng)');
      return;
    }
    const controller = new AbortController();
    const audio = provider.synthesize({ text: 'This sentence goes on and on. '.repeat(200), voice: {}, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await audio.next()).done).toBe(false);
    controller.abort();
    // The generator only settles once the process has exited: it was killed, minutes of speech early.
    await expect((async () => {
      for (let next = await audio.next(); !next.done; next = await audio.next()) {
        // drain what was already buffered
      }
    })()).rejects.toMatchObject({ code: TtsErrorCode.Aborted });
  });
});

// Keep the base class referenced so a type error in the fakes' shared API fails this file.
export type { FakeSpeechServer };
