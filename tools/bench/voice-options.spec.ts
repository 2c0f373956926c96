import { parseVoiceBenchArgs, splitAcrossWorkers } from './voice-options';

describe(parseVoiceBenchArgs.name, () => {
  it('runs 20 sessions with the bus tap by default', () => {
    expect(parseVoiceBenchArgs([])).toEqual({ sessionCounts: [20], cpuProfile: false, busTap: true, sessionsPerWorker: 25 });
  });

  it('reads a session count, a sweep and the switches', () => {
    expect(parseVoiceBenchArgs(['--sessions', '50']).sessionCounts).toEqual([50]);
    expect(parseVoiceBenchArgs(['--sessions=7']).sessionCounts).toEqual([7]);
    expect(parseVoiceBenchArgs(['--sweep', '10,50, 100,150', '--cpu-prof', '--no-bus-tap'])).toMatchObject({
      sessionCounts: [10, 50, 100, 150],
      cpuProfile: true,
      busTap: false,
    });
  });

  it('refuses bad counts, both --sessions and --sweep, and unknown arguments', () => {
    expect(() => parseVoiceBenchArgs(['--sessions'])).toThrow('--sessions needs an integer');
    expect(() => parseVoiceBenchArgs(['--sessions', '0'])).toThrow('--sessions needs an integer');
    expect(() => parseVoiceBenchArgs(['--sweep', '10,x'])).toThrow('--sweep needs an integer');
    expect(() => parseVoiceBenchArgs(['--sessions', '5', '--sweep', '10'])).toThrow('either --sessions or --sweep');
    expect(() => parseVoiceBenchArgs(['--fast'])).toThrow('unknown argument "--fast"');
  });
});

describe(splitAcrossWorkers.name, () => {
  it('uses as few workers as the per-worker limit allows, evenly filled', () => {
    expect(splitAcrossWorkers(20, 25)).toEqual([20]);
    expect(splitAcrossWorkers(100, 25)).toEqual([25, 25, 25, 25]);
    expect(splitAcrossWorkers(101, 25)).toEqual([21, 20, 20, 20, 20]);
  });
});
