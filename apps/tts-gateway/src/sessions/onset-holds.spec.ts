import { DEFAULT_SPEAKER, OnsetHolds, type HoldTimer, type PendingOnset } from './onset-holds';

const HOLD_MAX_MS = 1_000;

/** Timers fired by hand: the hold logic without a clock. */
class ManualTimers {
  private readonly armed = new Map<number, () => void>();
  private next = 0;

  readonly timer: HoldTimer = (onExpired) => {
    const id = this.next++;
    this.armed.set(id, onExpired);
    return () => this.armed.delete(id);
  };

  get count(): number {
    return this.armed.size;
  }

  /** Fires every armed timer, oldest first. */
  fireAll(): void {
    const due = [...this.armed.entries()];
    this.armed.clear();
    for (const [, onExpired] of due) onExpired();
  }
}

describe(OnsetHolds.name, () => {
  let timers: ManualTimers;
  let timedOut: Array<{ onset: PendingOnset; released: boolean }>;
  let sut: OnsetHolds;

  beforeEach(() => {
    timers = new ManualTimers();
    timedOut = [];
    sut = new OnsetHolds({ holdMaxMs: HOLD_MAX_MS, maxSpeakers: 3, timer: timers.timer, onTimedOut: (onset, released) => timedOut.push({ onset, released }) });
  });

  it('holds while any speaker has an onset pending and releases only when the last one is dismissed', () => {
    sut.onset('alice', 'a1');
    sut.onset('bob', 'b1');

    expect(sut.dismiss('alice', 'a1')).toBe('holding');
    expect(sut.isHolding).toBe(true);
    expect(sut.dismiss('bob', 'b1')).toBe('released');
    expect(sut.isHolding).toBe(false);
  });

  it("ignores a dismissal naming another speaker's utterance, or an older utterance of the same speaker", () => {
    sut.onset('alice', 'a1');
    sut.onset('alice', 'a2');
    sut.onset('bob', 'b1');

    expect(sut.dismiss('alice', 'a1')).toBe('ignored');
    expect(sut.dismiss('alice', 'b1')).toBe('ignored');
    expect(sut.size).toBe(2);
    expect(sut.dismiss('alice', 'a2')).toBe('holding');
    expect(sut.dismiss('bob', 'b1')).toBe('released');
  });

  it("replaces a speaker's older onset without touching another speaker's", () => {
    sut.onset('alice', 'a1');
    sut.onset('bob', 'b1');
    sut.onset('alice', 'a2');

    expect(sut.size).toBe(2);
    expect(timers.count).toBe(2);
  });

  it("keeps the single default speaker's behaviour: a newer onset replaces the older, whose dismissal changes nothing", () => {
    sut.onset(DEFAULT_SPEAKER, 'cough');
    sut.onset(DEFAULT_SPEAKER, 'speech');

    expect(sut.dismiss(DEFAULT_SPEAKER, 'cough')).toBe('ignored');
    expect(sut.isHolding).toBe(true);
    expect(sut.dismiss(DEFAULT_SPEAKER, 'speech')).toBe('released');
  });

  it("resolves only the confirming speaker's onset at speech_started: the others still hold", () => {
    sut.onset('alice', 'a1');
    sut.onset('bob', 'b1');

    sut.confirm('bob');
    expect(sut.size).toBe(1);
    expect(sut.dismiss('alice', 'a1')).toBe('released');
  });

  it('times each onset out on its own, saying whether it was the last one pending', () => {
    sut.onset('alice', 'a1');
    sut.onset('bob', 'b1');

    timers.fireAll();

    expect(timedOut).toEqual([
      { onset: { speakerId: 'alice', utteranceId: 'a1' }, released: false },
      { onset: { speakerId: 'bob', utteranceId: 'b1' }, released: true },
    ]);
    expect(sut.isHolding).toBe(false);
  });

  it('cancels the timer of an onset that was dismissed, replaced or confirmed', () => {
    sut.onset('alice', 'a1');
    sut.onset('alice', 'a2');
    sut.onset('bob', 'b1');
    sut.onset('carol', 'c1');
    sut.dismiss('alice', 'a2');
    sut.confirm('bob');

    expect(timers.count).toBe(1);
    timers.fireAll();
    expect(timedOut).toEqual([{ onset: { speakerId: 'carol', utteranceId: 'c1' }, released: true }]);
  });

  it('drops the oldest pending onset beyond maxSpeakers and says which', () => {
    sut.onset('alice', 'a1');
    sut.onset('bob', 'b1');
    sut.onset('carol', 'c1');

    expect(sut.onset('dave', 'd1')).toEqual({ speakerId: 'alice', utteranceId: 'a1' });
    expect(sut.size).toBe(3);
    expect(timers.count).toBe(3);
    expect(sut.dismiss('alice', 'a1')).toBe('ignored');
    // A known speaker's newer onset replaces its own entry: nothing dropped.
    expect(sut.onset('bob', 'b2')).toBeUndefined();
  });

  it('forgets every onset and its timer on clear', () => {
    sut.onset('alice', 'a1');
    sut.onset('bob', 'b1');

    sut.clear();

    expect(sut.isHolding).toBe(false);
    expect(timers.count).toBe(0);
  });
});
