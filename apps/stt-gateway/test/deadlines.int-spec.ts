import { AUDIO_IN_SAMPLE_RATE_HZ, bytesOf, FRAME_DURATION_MS, frameSamples } from '@voxbridge/audio';
import { expectEventually, FakeWhisperXServer } from '@voxbridge/testing';
import { SttError, SttErrorCode, SttProviderRegistry, type SttStream } from '../src/providers';

/**
 * The STT final deadline (end of turn → final transcript, issue 12 item 5) on the real wire: the
 * provider as the registry builds it, over a real WebSocket to the fake WhisperX server, which
 * never answers one finalize. No verdict depends on elapsed time.
 */

function toneFrames(ms: number): Uint8Array[] {
  const samples = frameSamples(AUDIO_IN_SAMPLE_RATE_HZ);
  return Array.from({ length: ms / FRAME_DURATION_MS }, (_, f) =>
    bytesOf(Int16Array.from({ length: samples }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * (f * samples + i)) / AUDIO_IN_SAMPLE_RATE_HZ)))),
  );
}

describe('STT final deadline', () => {
  let fake: FakeWhisperXServer;
  let stream: SttStream | undefined;

  beforeEach(async () => {
    fake = await FakeWhisperXServer.start({ transcripts: ['heard after the stall'] });
  });

  afterEach(async () => {
    await stream?.close();
    stream = undefined;
    await fake.stop();
  });

  it("fails a final the provider never sends with timeout naming the agent's deadline, and hears the next utterance", async () => {
    const resolved = new SttProviderRegistry({ whisperxUrl: fake.url, openAiModel: 'unused', localBinary: 'pocketsphinx_continuous' }).resolve('whisperx');
    if (!resolved.ok) throw resolved.error;
    stream = await resolved.provider.open({ language: 'en', sampleRateHz: 16_000, finalDeadlineMs: 800 });
    fake.failNextFinalize('hang');

    toneFrames(300).forEach((frame) => stream?.write(frame));
    const failure = await stream.finalize().then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(SttError);
    expect(failure).toMatchObject({ code: SttErrorCode.Timeout, provider: 'whisperx' });
    expect((failure as Error).message).toBe('no final transcript within 800 ms of the end of the turn (final deadline)');

    // The stream stays usable: the next utterance is transcribed (on a fresh socket).
    await expectEventually(() => expect(fake.received('finalize')).toHaveLength(1));
    toneFrames(300).forEach((frame) => stream?.write(frame));
    const next = await stream.finalize();
    expect(next.text).toBe('heard after the stall');
  });
});
