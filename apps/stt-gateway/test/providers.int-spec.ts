import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIO_IN_FRAME_BYTES, AUDIO_IN_SAMPLE_RATE_HZ, bytesOf, decodeWav, FRAME_DURATION_MS, frameSamples, resample } from '@voxbridge/audio';
import { expectEventually, FakeOpenAiTranscriptionServer, FakeWhisperXServer } from '@voxbridge/testing';
import {
  OpenAiCompatibleSttProvider,
  PocketsphinxSttProvider,
  SttError,
  SttErrorCode,
  type PartialTranscript,
  type SttStream,
  WhisperXSttProvider,
} from '../src/providers';
import { EndOfTurnDetector, EnergyVoiceActivityDetector, PreRollBuffer } from '../src/vad';

/**
 * STT providers against the real wire: WhisperX and OpenAI-compatible over real WebSocket / HTTP
 * to the fakes in libs/testing; pocketsphinx for real, on speech synthesized by flite.
 */

/** `ms` of a 300 Hz tone as 20 ms frames. */
function toneFrames(ms: number): Uint8Array[] {
  const samples = frameSamples(AUDIO_IN_SAMPLE_RATE_HZ);
  return Array.from({ length: ms / FRAME_DURATION_MS }, (_, f) =>
    bytesOf(Int16Array.from({ length: samples }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * (f * samples + i)) / AUDIO_IN_SAMPLE_RATE_HZ)))),
  );
}

const writeAll = (stream: SttStream, frames: Uint8Array[]) => frames.forEach((frame) => stream.write(frame));

async function rejection(promise: Promise<unknown>): Promise<SttError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SttError)) throw new Error(`expected an SttError, got ${String(error)}`);
  return error;
}

describe(WhisperXSttProvider.name, () => {
  let fake: FakeWhisperXServer;
  let stream: SttStream | undefined;

  beforeEach(async () => {
    fake = await FakeWhisperXServer.start({
      transcripts: [{ text: 'turn on the lights', partials: ['turn', 'turn on'] }, 'and the radio'],
      partialEveryMs: 300,
    });
  });

  afterEach(async () => {
    await stream?.close();
    stream = undefined;
    await fake.stop();
  });

  const sut = (reconnect = { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 5 }) =>
    new WhisperXSttProvider({ url: fake.url, finalTimeoutMs: 5_000, reconnect });

  it('speaks the protocol: start with all its fields, 48 kHz stereo audio, finalize, close', async () => {
    stream = await sut().open({ language: 'de-DE', sampleRateHz: 16_000, streamId: 'session-1' });
    writeAll(stream, toneFrames(1000));
    const final = await stream.finalize();
    await stream.close();

    expect(final).toEqual({ text: 'turn on the lights', utterance: 0, audioMs: 1000 });
    await expectEventually(() => expect(fake.disconnects).toEqual([{ connection: 1, by: 'client', code: 1000 }]));
    expect(fake.messages.map((m) => m.message)).toEqual([
      { type: 'start', userId: 'session-1', language: 'de', audio_format: 'pcm' },
      { type: 'finalize' },
      { type: 'close' },
    ]);
    expect(fake.audioWithoutStartBytes).toBe(0);
    expect(fake.utterances[0]?.audioMs).toBeCloseTo(1000, 0);
  });

  it('delivers partials while audio flows, then the final', async () => {
    stream = await sut().open({ language: 'en', sampleRateHz: 16_000 });
    const partials: PartialTranscript[] = [];
    stream.onPartial((p) => partials.push(p));
    writeAll(stream, toneFrames(700));
    await expectEventually(() => expect(partials).toEqual([
      { text: 'turn', utterance: 0 },
      { text: 'turn on', utterance: 0 },
    ]));
    expect((await stream.finalize()).text).toBe('turn on the lights');
  });

  it('keeps the language and clears the audio for the second utterance (2.0 bug #17)', async () => {
    stream = await sut().open({ language: 'fr', sampleRateHz: 16_000 });
    writeAll(stream, toneFrames(1000));
    expect(await stream.finalize()).toMatchObject({ text: 'turn on the lights', utterance: 0 });
    writeAll(stream, toneFrames(400));
    expect(await stream.finalize()).toEqual({ text: 'and the radio', utterance: 1, audioMs: 400 });

    expect(fake.received('start').map((m) => m['language'])).toEqual(['fr', 'fr']);
    expect(fake.utterances.map((u) => u.language)).toEqual(['fr', 'fr']);
    expect(fake.utterances[1]?.audioMs).toBeCloseTo(400, 0);
    expect(fake.connections).toBe(1);
  });

  it('reconnects after the server drops the socket between utterances', async () => {
    stream = await sut().open({ language: 'en', sampleRateHz: 16_000 });
    writeAll(stream, toneFrames(500));
    await stream.finalize();
    fake.dropConnections();
    await expectEventually(() => {
      expect(fake.connections).toBe(2);
      expect(fake.openConnections).toBe(1);
    });

    writeAll(stream, toneFrames(500));
    expect((await stream.finalize()).text).toBe('and the radio');
    expect(fake.disconnects).toEqual([{ connection: 1, by: 'server', code: 1006 }]);
    expect(fake.utterances.map((u) => [u.connection, u.language])).toEqual([
      [1, 'en'],
      [2, 'en'],
    ]);
  });

  it('replays the utterance in progress when the socket drops mid-utterance or at finalize', async () => {
    stream = await sut().open({ language: 'en', sampleRateHz: 16_000 });
    writeAll(stream, toneFrames(400));
    fake.dropConnections();
    writeAll(stream, toneFrames(600));
    fake.failNextFinalize('drop');
    expect((await stream.finalize()).text).toBe('turn on the lights');
    const last = fake.utterances[fake.utterances.length - 1];
    expect(last?.connection).toBe(3);
    expect(last?.audioMs).toBeCloseTo(1000, 0);
  });

  it('fails open with "unavailable" when the server refuses the connection', async () => {
    fake.refuseConnections();
    const error = await rejection(sut().open({ language: 'en', sampleRateHz: 16_000 }));
    expect(error.code).toBe(SttErrorCode.Unavailable);
    expect(fake.refusedConnections).toBe(1);
  });

  it('reports a server error at finalize as "protocol" and the next utterance still works', async () => {
    stream = await sut().open({ language: 'en', sampleRateHz: 16_000 });
    fake.failNextFinalize('error');
    writeAll(stream, toneFrames(200));
    expect((await rejection(stream.finalize())).code).toBe(SttErrorCode.Protocol);
    writeAll(stream, toneFrames(200));
    expect((await stream.finalize()).text).toBe('turn on the lights');
  });

  it('aborts a finalize the server never answers, and closes the socket', async () => {
    const controller = new AbortController();
    stream = await sut().open({ language: 'en', sampleRateHz: 16_000, signal: controller.signal });
    fake.failNextFinalize('hang');
    writeAll(stream, toneFrames(200));
    const pending = stream.finalize();
    await expectEventually(() => expect(fake.received('finalize')).toHaveLength(1));
    controller.abort();
    expect((await rejection(pending)).code).toBe(SttErrorCode.Aborted);
    await expectEventually(() => expect(fake.disconnects).toEqual([{ connection: 1, by: 'client', code: 1000 }]));
    expect(() => stream?.write(toneFrames(20)[0] ?? new Uint8Array(AUDIO_IN_FRAME_BYTES))).toThrow(SttError);
  });
});

describe(OpenAiCompatibleSttProvider.name, () => {
  let fake: FakeOpenAiTranscriptionServer;

  beforeEach(async () => {
    fake = await FakeOpenAiTranscriptionServer.start({ transcripts: ['turn on the kitchen lights'] });
  });
  afterEach(() => fake.stop());

  const sut = () => new OpenAiCompatibleSttProvider({ baseUrl: `${fake.baseUrl}/`, model: 'whisper-1', apiKey: 'test-key', retryDelayMs: 10 });

  it('posts the utterance as a 16 kHz WAV with model, language and response_format, and returns the text', async () => {
    const stream = await sut().open({ language: 'en-US', sampleRateHz: 16_000 });
    writeAll(stream, toneFrames(1500));
    expect(await stream.finalize()).toEqual({ text: 'turn on the kitchen lights', utterance: 0, audioMs: 1500 });
    await stream.close();

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      path: '/v1/audio/transcriptions',
      authorization: 'Bearer test-key',
      fields: { model: 'whisper-1', language: 'en', response_format: 'json' },
      file: { name: 'utterance.wav', contentType: 'audio/wav', sampleRateHz: 16_000, channels: 1, durationMs: 1500 },
    });
  });

  it('sends each utterance alone: the buffer is cleared at finalize', async () => {
    const stream = await sut().open({ language: 'en', sampleRateHz: 16_000 });
    writeAll(stream, toneFrames(600));
    await stream.finalize();
    writeAll(stream, toneFrames(200));
    await stream.finalize();
    expect(fake.requests.map((r) => r.file?.durationMs)).toEqual([600, 200]);
  });

  it('aborts a hanging request: the server sees the client go away', async () => {
    const controller = new AbortController();
    const stream = await sut().open({ language: 'en', sampleRateHz: 16_000, signal: controller.signal });
    fake.failNext({ kind: 'hang' });
    writeAll(stream, toneFrames(200));
    const pending = stream.finalize();
    await expectEventually(() => expect(fake.inFlight).toBe(1));
    controller.abort();
    expect((await rejection(pending)).code).toBe(SttErrorCode.Aborted);
    await expectEventually(() => expect(fake.disconnects).toBe(1));
  });

  it('retries once after a 503, and maps a 400 to "bad_audio" and a broken body to "protocol"', async () => {
    const stream = await sut().open({ language: 'en', sampleRateHz: 16_000 });
    fake.failNext({ kind: 'status', status: 503 });
    writeAll(stream, toneFrames(200));
    expect((await stream.finalize()).text).toBe('turn on the kitchen lights');
    expect(fake.requests).toHaveLength(2);

    fake.failNext({ kind: 'status', status: 400 });
    writeAll(stream, toneFrames(200));
    expect((await rejection(stream.finalize())).code).toBe(SttErrorCode.BadAudio);

    fake.failNext({ kind: 'invalid_json' });
    writeAll(stream, toneFrames(200));
    expect((await rejection(stream.finalize())).code).toBe(SttErrorCode.Protocol);
  });
});

const ENGINES = ['flite', 'pocketsphinx_continuous'];
const missing = ENGINES.filter((binary) => spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0);
const describeWithEngines = missing.length === 0 ? describe : describe.skip;

describe(PocketsphinxSttProvider.name, () => {
  it('reports "unavailable" with the reason when the engine is not installed', async () => {
    const sut = new PocketsphinxSttProvider({ binary: 'pocketsphinx_continuous_not_installed' });
    expect(await sut.detect()).toEqual({ available: false, reason: expect.stringMatching(/not installed/) });
    const error = await rejection(sut.open({ language: 'en', sampleRateHz: 16_000 }));
    expect(error.code).toBe(SttErrorCode.Unavailable);
  });

  describeWithEngines(`real speech (skipped when ${ENGINES.join(' / ')} are not on PATH${missing.length ? `; missing: ${missing.join(', ')}` : ''})`, () => {
    let dir: string;
    beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'vb-stt-int-'))));
    afterAll(() => rm(dir, { recursive: true, force: true }));

    /** flite slt speaking `text`, at 16 kHz. */
    async function speech(text: string): Promise<Int16Array> {
      const file = join(dir, 'speech.wav');
      const result = spawnSync('flite', ['-voice', 'slt', '-t', text, '-o', file]);
      if (result.status !== 0) throw new Error(`flite failed: ${result.stderr.toString()}`);
      const { format, samples } = decodeWav(new Uint8Array(await readFile(file)));
      return resample(samples, format.sampleRateHz, AUDIO_IN_SAMPLE_RATE_HZ);
    }

    /** Lead-in of quiet noise, the speech, then trailing quiet, cut into 20 ms frames. */
    function frames(speechSamples: Int16Array): Uint8Array[] {
      const perFrame = frameSamples(AUDIO_IN_SAMPLE_RATE_HZ);
      const lead = 25 * perFrame;
      const total = Math.ceil((lead + speechSamples.length) / perFrame) * perFrame + 60 * perFrame;
      let seed = 7;
      const audio = Int16Array.from({ length: total }, (_, i) => {
        seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
        const noise = Math.round(((seed / 0x7fffffff) * 2 - 1) * 30);
        return noise + (speechSamples[i - lead] ?? 0);
      });
      return Array.from({ length: total / perFrame }, (_, f) => bytesOf(audio.subarray(f * perFrame, (f + 1) * perFrame)));
    }

    it('hears "turn on the kitchen lights" through VAD → end of turn → pocketsphinx', async () => {
      const sut = new PocketsphinxSttProvider();
      expect(await sut.detect()).toEqual({ available: true });
      const stream = await sut.open({ language: 'en', sampleRateHz: 16_000 });
      const detector = new EndOfTurnDetector(new EnergyVoiceActivityDetector(), { silenceMs: 600 });
      const preRoll = new PreRollBuffer(1_000);
      const turns: { tSpeechStartMs: number; tSpeechEndMs: number; finalized: Promise<string> }[] = [];

      frames(await speech('turn on the kitchen lights')).forEach((frame, index) => {
        const captureMs = index * FRAME_DURATION_MS;
        preRoll.push(frame, captureMs);
        const wasInTurn = detector.inTurn;
        for (const event of detector.process(frame, captureMs)) {
          if (event.type === 'speech_started') preRoll.since(event.tSpeechStartMs - 100).forEach((f) => stream.write(f));
          if (event.type === 'end_of_turn') {
            turns.push({ ...event, finalized: stream.finalize().then((f) => f.text) });
          }
        }
        if (wasInTurn && detector.inTurn) stream.write(frame);
      });

      expect(turns).toHaveLength(1);
      const [turn] = turns;
      // 500 ms of lead-in, then flite's own ~200 ms of near-silence before the first word (~1.4 s long).
      expect(turn?.tSpeechStartMs).toBeGreaterThanOrEqual(600);
      expect(turn?.tSpeechStartMs).toBeLessThanOrEqual(800);
      expect(turn?.tSpeechEndMs).toBeGreaterThan(1_900);
      expect(turn?.tSpeechEndMs).toBeLessThan(2_300);
      const words = (await turn?.finalized)?.split(/\s+/) ?? [];
      expect(words).toEqual(expect.arrayContaining(['turn', 'kitchen', 'lights']));
      await stream.close();
    });

    it('kills the engine when aborted mid-decode', async () => {
      const running = () => spawnSync('pgrep', ['-f', 'pocketsphinx_continuous -infile .*vb-pocketsphinx-']).status === 0;
      const controller = new AbortController();
      const sut = new PocketsphinxSttProvider();
      await sut.detect();
      const stream = await sut.open({ language: 'en', sampleRateHz: 16_000, signal: controller.signal });
      const speechFrames = frames(await speech('play some music please, then turn on the kitchen lights and close the blinds'));
      speechFrames.forEach((frame) => stream.write(frame));
      const pending = stream.finalize();
      await expectEventually(() => expect(running()).toBe(true), { intervalMs: 5 });
      controller.abort();
      expect((await rejection(pending)).code).toBe(SttErrorCode.Aborted);
      expect(running()).toBe(false);
    });
  });
});
