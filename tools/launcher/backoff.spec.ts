import { crashesInARow, restartDelayMs, RESTART_BACKOFF } from './backoff';

describe(restartDelayMs.name, () => {
  it('waits 0.5 s after the first crash and doubles after each further one', () => {
    expect([1, 2, 3, 4, 5].map((crashes) => restartDelayMs(crashes))).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
  });

  it('never waits more than 30 s, however many crashes', () => {
    expect(restartDelayMs(7)).toBe(30_000);
    expect(restartDelayMs(10_000)).toBe(30_000);
  });
});

describe(crashesInARow.name, () => {
  it('counts a crash soon after the previous start as one more in a row', () => {
    expect(crashesInARow(0, 100)).toBe(1);
    expect(crashesInARow(3, RESTART_BACKOFF.stableAfterMs - 1)).toBe(4);
  });

  it('starts over after a minute of stable running', () => {
    expect(crashesInARow(6, RESTART_BACKOFF.stableAfterMs)).toBe(1);
    expect(restartDelayMs(crashesInARow(6, 5 * 60_000))).toBe(500);
  });
});
