import { pidOfProfile, topSelfTime, type CpuProfile } from './cpu-profile';

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber });

/** root → (idle), root → main → hot, root → main → cold; samples every 1 ms. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('main', 'file:///repo/dist/apps/x/src/main.js', 9) },
    { id: 4, callFrame: frame('hot', 'file:///repo/node_modules/lib/index.js', 0) },
    { id: 5, callFrame: frame('', 'file:///repo/dist/apps/x/src/cold.js', 4) },
  ],
  samples: [2, 4, 4, 4, 3, 5, 2, 2],
  timeDeltas: [0, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000],
  startTime: 0,
  endTime: 8_000,
};

describe(topSelfTime.name, () => {
  it('ranks functions by self time, leaving idle time out of the busy share', () => {
    const sut = topSelfTime(profile, 10, '/repo');
    expect(sut.busyMs).toBe(5);
    expect(sut.top).toEqual([
      { function: 'hot (node_modules/lib/index.js:1)', selfMs: 3, busyPercent: 60 },
      { function: 'main (dist/apps/x/src/main.js:10)', selfMs: 1, busyPercent: 20 },
      { function: '(anonymous) (dist/apps/x/src/cold.js:5)', selfMs: 1, busyPercent: 20 },
    ]);
  });

  it('keeps only the first `limit` functions', () => {
    expect(topSelfTime(profile, 1, '/repo').top.map((t) => t.selfMs)).toEqual([3]);
  });

  it('falls back to hit counts when the profile has no sample timing', () => {
    const counted: CpuProfile = { nodes: profile.nodes.map((n) => ({ ...n, hitCount: n.id === 4 ? 3 : n.id === 2 ? 1 : 0 })), startTime: 0, endTime: 4_000 };
    expect(topSelfTime(counted, 10, '/repo').top).toEqual([{ function: 'hot (node_modules/lib/index.js:1)', selfMs: 3, busyPercent: 100 }]);
  });
});

describe(pidOfProfile.name, () => {
  it('reads the pid from the file name the preload writes', () => {
    expect(pidOfProfile('/tmp/x/4242.cpuprofile')).toBe(4242);
    expect(pidOfProfile('CPU.20250101.4242.0.001.cpuprofile')).toBeNull();
  });
});
