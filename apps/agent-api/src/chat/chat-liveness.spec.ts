import { ChatLiveness, type LivenessVerdict, type Schedule } from './chat-liveness';

/** Timers that fire only when the test says so. */
class ManualTimers {
  private pending: Array<{ fire: () => void; cancelled: boolean }> = [];

  readonly schedule: Schedule = (_ms, fire) => {
    const timer = { fire, cancelled: false };
    this.pending.push(timer);
    return () => (timer.cancelled = true);
  };

  get armed(): number {
    return this.pending.filter((t) => !t.cancelled).length;
  }

  /** Fires every armed timer once, then lets the probes' promises settle. */
  async tick(): Promise<void> {
    const due = this.pending.filter((t) => !t.cancelled);
    this.pending = [];
    for (const timer of due) timer.fire();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe(ChatLiveness.name, () => {
  let timers: ManualTimers;
  let verdicts: LivenessVerdict[];
  let lost: string[];
  let probes: number;

  const start = (misses = 2) => {
    const sut = new ChatLiveness({
      intervalMs: 300,
      misses,
      schedule: timers.schedule,
      probe: async () => {
        probes++;
        return verdicts.shift() ?? { alive: true };
      },
      onLost: (reason) => lost.push(reason),
    });
    sut.start();
    return sut;
  };

  beforeEach(() => {
    timers = new ManualTimers();
    verdicts = [];
    lost = [];
    probes = 0;
  });

  it('keeps checking while the turn is alive and never reports it lost', async () => {
    start();
    for (let i = 0; i < 5; i++) await timers.tick();

    expect(probes).toBe(5);
    expect(lost).toEqual([]);
    expect(timers.armed).toBe(1);
  });

  it('reports the turn lost once, with the last reason, after the given failed checks in a row, and stops checking', async () => {
    verdicts = [
      { alive: false, reason: 'is gone' },
      { alive: false, reason: 'is still gone' },
    ];
    start();

    await timers.tick();
    expect(lost).toEqual([]);
    await timers.tick();

    expect(lost).toEqual(['is still gone']);
    expect(timers.armed).toBe(0);
  });

  it('forgives a single failed check: one good check resets the count', async () => {
    verdicts = [{ alive: false, reason: 'slow' }, { alive: true }, { alive: false, reason: 'slow again' }, { alive: true }];
    start();

    for (let i = 0; i < 4; i++) await timers.tick();

    expect(lost).toEqual([]);
    expect(probes).toBe(4);
  });

  it('checks no more once stopped (the turn ended)', async () => {
    verdicts = [{ alive: false, reason: 'gone' }];
    const sut = start();
    await timers.tick();

    sut.stop();
    await timers.tick();

    expect(probes).toBe(1);
    expect(lost).toEqual([]);
  });
});
