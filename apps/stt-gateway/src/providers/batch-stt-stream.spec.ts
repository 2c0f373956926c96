import { BatchSttStream, type Schedule } from './batch-stt-stream';
import { SttError, SttErrorCode } from './stt.errors';

/** Timers that fire only when the test says so; remembers what was scheduled. */
class ManualTimers {
  readonly scheduled: number[] = [];
  private pending: Array<{ fire: () => void; cancelled: boolean }> = [];

  readonly schedule: Schedule = (ms, fire) => {
    this.scheduled.push(ms);
    const timer = { fire, cancelled: false };
    this.pending.push(timer);
    return () => (timer.cancelled = true);
  };

  fireAll(): void {
    const due = this.pending.filter((t) => !t.cancelled);
    this.pending = [];
    due.forEach((t) => t.fire());
  }
}

/** A transcription that answers only when told, and stops (as the providers do) when its signal aborts. */
function heldTranscriber() {
  const calls: Array<{ signal: AbortSignal; answer: (text: string) => void }> = [];
  const transcribe = (_wav: Uint8Array, signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new SttError(SttErrorCode.Aborted, 'fake', 'transcription aborted')), { once: true });
      calls.push({ signal, answer: resolve });
    });
  return { calls, transcribe };
}

/** `ms` of silence as 20 ms frames. */
const audio = (ms: number) => Array.from({ length: ms / 20 }, () => new Uint8Array(640));

describe(BatchSttStream.name, () => {
  let timers: ManualTimers;

  beforeEach(() => (timers = new ManualTimers()));

  it('gives the final deadline plus the utterance duration, and passes a final in time through', async () => {
    const { calls, transcribe } = heldTranscriber();
    const sut = new BatchSttStream('pocketsphinx', transcribe, { finalDeadlineMs: 5_000, schedule: timers.schedule });
    audio(2_000).forEach((frame) => sut.write(frame));

    const final = sut.finalize();
    await Promise.resolve();
    calls[0]?.answer(' turn on the lights ');

    await expect(final).resolves.toEqual({ text: 'turn on the lights', utterance: 0, audioMs: 2_000 });
    expect(timers.scheduled).toEqual([7_000]);
  });

  it('aborts the stalled request and fails with timeout naming the final deadline when it passes', async () => {
    const { calls, transcribe } = heldTranscriber();
    const sut = new BatchSttStream('openai-compatible', transcribe, { finalDeadlineMs: 1_500, schedule: timers.schedule });
    audio(500).forEach((frame) => sut.write(frame));

    const final = sut.finalize();
    await Promise.resolve();
    timers.fireAll();
    const error = await final.then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(SttError);
    expect(error).toMatchObject({ code: SttErrorCode.Timeout, provider: 'openai-compatible' });
    expect((error as Error).message).toBe('no final transcript within 2000 ms of the end of the turn (final deadline)');
    expect(calls[0]?.signal.aborted).toBe(true);
  });

  it('does not hold up the next utterance behind a stalled one', async () => {
    const { calls, transcribe } = heldTranscriber();
    const sut = new BatchSttStream('pocketsphinx', transcribe, { schedule: timers.schedule });
    audio(200).forEach((frame) => sut.write(frame));
    const stalled = sut.finalize().catch((e: unknown) => e);
    audio(200).forEach((frame) => sut.write(frame));

    const next = sut.finalize();
    await Promise.resolve();
    calls[1]?.answer('second');

    await expect(next).resolves.toMatchObject({ text: 'second', utterance: 1 });
    expect(timers.scheduled).toEqual([5_200, 5_200]);
    timers.fireAll();
    expect(await stalled).toMatchObject({ code: SttErrorCode.Timeout });
  });

  it("reports the caller's abort as aborted, not as a missed deadline", async () => {
    const { transcribe } = heldTranscriber();
    const controller = new AbortController();
    const sut = new BatchSttStream('pocketsphinx', transcribe, { signal: controller.signal, schedule: timers.schedule });
    audio(200).forEach((frame) => sut.write(frame));

    const final = sut.finalize();
    await Promise.resolve();
    controller.abort();

    await expect(final).rejects.toMatchObject({ code: SttErrorCode.Aborted });
  });
});
