import { PacedMic, type Clock } from './paced-mic';

/** A clock the test moves: timers fire only when advanced past them. */
class ManualClock implements Clock {
  private nowMs = 0;
  private timers: Array<{ atMs: number; callback: () => void }> = [];

  now(): number {
    return this.nowMs;
  }

  epochMs(ms: number): number {
    return ms;
  }

  setTimeout(callback: () => void, ms: number): { cancel(): void } {
    const timer = { atMs: this.nowMs + ms, callback };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  /** Moves to `toMs`, firing due timers in order; `stallMs` delays every firing (a busy loop). */
  advance(toMs: number, stallMs = 0): void {
    for (;;) {
      const next = this.timers.sort((a, b) => a.atMs - b.atMs)[0];
      if (!next || next.atMs + stallMs > toMs) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = Math.max(this.nowMs, next.atMs + stallMs);
      next.callback();
    }
    this.nowMs = toMs;
  }
}

const isSilent = (frame: Uint8Array) => frame.every((b) => b === 0);

describe(PacedMic.name, () => {
  it('sends one 640-byte frame every 20 ms, on schedule', () => {
    const clock = new ManualClock();
    const sut = new PacedMic(clock);
    const sentAt: number[] = [];
    sut.attach((frame) => {
      expect(frame.byteLength).toBe(640);
      sentAt.push(clock.now());
    });
    clock.advance(190);
    expect(sentAt).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(sut.stats()).toMatchObject({ framesSent: 10, framesOffSchedule: 0 });
  });

  it('sends the backlog at once after a stall and counts the frames more than 10 ms late', () => {
    const clock = new ManualClock();
    const sut = new PacedMic(clock);
    let sent = 0;
    sut.attach(() => (sent += 1), 0);
    clock.advance(0);
    // The next tick (due at 20) runs at 75: frames due at 20, 40, 60 go out together, 55, 35 and 15 ms late.
    clock.advance(75, 55);
    expect(sent).toBe(4);
    expect(sut.stats()).toMatchObject({ framesSent: 4, framesOffSchedule: 3 });
  });

  it('speaks voiced frames for the time asked, then silence, and says when the first and last went', async () => {
    const clock = new ManualClock();
    const sut = new PacedMic(clock);
    const frames: Uint8Array[] = [];
    const stream = sut.attach((frame) => frames.push(frame), 0);
    clock.advance(30);
    const spoken = stream.speak(60);
    clock.advance(130);
    await expect(spoken).resolves.toEqual({ firstSentMs: 40, lastSentMs: 80 });
    expect(frames.map(isSilent)).toEqual([true, true, false, false, false, true, true]);
  });

  it('fails an utterance cut short by detaching the microphone, and any later one', async () => {
    const clock = new ManualClock();
    const sut = new PacedMic(clock);
    const stream = sut.attach(() => undefined, 0);
    const spoken = stream.speak(200);
    clock.advance(40);
    sut.detach(stream);
    await expect(spoken).rejects.toThrow('went off while speaking');
    await expect(stream.speak(20)).rejects.toThrow('the microphone is off');
  });

  it('stops sending to a detached microphone', () => {
    const clock = new ManualClock();
    const sut = new PacedMic(clock);
    let sent = 0;
    const stream = sut.attach(() => (sent += 1), 0);
    clock.advance(50);
    sut.detach(stream);
    clock.advance(500);
    expect(sent).toBe(3);
  });
});
