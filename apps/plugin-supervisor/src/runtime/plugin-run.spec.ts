import type { PluginRunState } from '@voxbridge/contracts';
import { PluginStartError, type PluginChild, type PluginExit, type PluginProcessSpec } from './plugin-process';
import { PluginRun, type PluginRunDeps } from './plugin-run';
import type { ProcessTimes } from './process-stats';

/** A child whose start, exit and hooks the test drives. */
class FakeChild implements PluginChild {
  static next = 1000;
  readonly pid = FakeChild.next++;
  readonly started: Promise<void>;
  readonly exited: Promise<PluginExit>;
  readonly hooks: string[] = [];
  hookTimeouts = 0;
  hooksDropped = 0;
  startOk!: () => void;
  startFail!: (error: Error) => void;
  exit!: (exit: PluginExit) => void;

  constructor() {
    this.started = new Promise((resolve, reject) => ((this.startOk = resolve), (this.startFail = reject)));
    this.started.catch(() => undefined);
    this.exited = new Promise((resolve) => (this.exit = resolve));
  }

  dispatch(hook: string): boolean {
    this.hooks.push(hook);
    return true;
  }

  stop(): Promise<PluginExit> {
    this.exit({ code: 0, signal: null });
    return this.exited;
  }
}

function harness(stats: (pid: number) => ProcessTimes | undefined = () => ({ cpuMs: 0, rssBytes: 50 * 1_048_576 })) {
  const children: FakeChild[] = [];
  const specs: PluginProcessSpec[] = [];
  const ended: Array<{ state: PluginRunState; reason: string }> = [];
  const deps: PluginRunDeps = {
    spawn: (spec) => {
      specs.push(spec);
      const child = new FakeChild();
      children.push(child);
      return child;
    },
    readStats: (pid) => Promise.resolve(stats(pid)),
    settings: { sampleMs: 1000, hookTimeoutMs: 100, hookQueueMax: 10, restartBaseMs: 100, restartMaxMs: 350, crashLoopCrashes: 4, crashWindowMs: 60_000, stopGraceMs: 50 },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    changed: () => undefined,
    sampled: () => undefined,
    ended: (_run, state, reason) => ended.push({ state, reason }),
  };
  const sut = new PluginRun(
    { agentId: 'a', agentName: 'Helper', pluginType: 'n8n', modulePath: '/x', config: { webhook_url: 'u' }, limits: { cpuPercent: 50, rssBytes: 100 * 1_048_576 } },
    deps,
  );
  const last = () => {
    const child = children.at(-1);
    if (!child) throw new Error('no child');
    return child;
  };
  return { sut, children, specs, ended, last };
}

/** Lets promise callbacks run between timer steps. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe(PluginRun.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('starts the child with the plugin’s config and passes hooks only while running', async () => {
    const { sut, specs, last } = harness();

    sut.start();
    expect(sut.dispatch('onUserMessage', {})).toBe(false);
    last().startOk();
    await flush();

    expect(sut.state).toBe('running');
    expect(specs[0]?.config).toEqual({ webhook_url: 'u' });
    expect(sut.dispatch('onUserMessage', {})).toBe(true);
    expect(last().hooks).toEqual(['onUserMessage']);
  });

  it('restarts a crashed child with doubling backoff, capped, and marks a crash loop failed', async () => {
    const { sut, children, ended, last } = harness();
    sut.start();
    const delays: number[] = [];

    for (let crash = 1; crash <= 4; crash++) {
      last().startOk();
      await flush();
      const before = children.length;
      last().exit({ code: 1, signal: null });
      await flush();
      if (crash === 4) break;
      expect(sut.state).toBe('backoff');
      let waited = 0;
      while (children.length === before) {
        await jest.advanceTimersByTimeAsync(10);
        waited += 10;
      }
      delays.push(waited);
    }

    expect(delays).toEqual([100, 200, 350]);
    expect(sut.state).toBe('failed');
    expect(sut.restarts).toBe(3);
    expect(ended).toEqual([{ state: 'failed', reason: 'crash loop: 4 crashes within 60 s' }]);
  });

  it('fails at once when the plugin can never start (bad module or config)', async () => {
    const { sut, last, ended, children } = harness();
    sut.start();

    last().startFail(new PluginStartError('plugin config is invalid', true, { webhook_url: ['must be a URL'] }));
    await flush();
    await jest.advanceTimersByTimeAsync(1000);

    expect(sut.state).toBe('failed');
    expect(children).toHaveLength(1);
    expect(ended).toEqual([{ state: 'failed', reason: 'plugin config is invalid' }]);
  });

  it('stops the plugin after three consecutive samples over a limit, not after two', async () => {
    let cpuMs = 0;
    const { sut, last, ended } = harness(() => ({ cpuMs, rssBytes: 50 * 1_048_576 }));
    sut.start();
    last().startOk();
    await flush();

    const tick = async (cpuMsPerSecond: number) => {
      cpuMs += cpuMsPerSecond;
      await jest.advanceTimersByTimeAsync(1000);
    };
    await tick(900);
    await tick(900);
    await tick(100); // under the limit: the count starts again
    await tick(900);
    await tick(900);
    expect(sut.state).toBe('running');
    expect(sut.violations).toBe(4);
    await tick(900);

    expect(sut.state).toBe('limit_exceeded');
    expect(ended).toEqual([{ state: 'limit_exceeded', reason: expect.stringMatching(/^CPU 9\d(\.\d)?% over the limit of 50% for 3 consecutive samples$/) }]);
    expect(sut.peakCpuPercent).toBeGreaterThan(80);
  });

  it('stops the plugin whose memory stays over its limit', async () => {
    const { sut, last, ended } = harness(() => ({ cpuMs: 0, rssBytes: 150 * 1_048_576 }));
    sut.start();
    last().startOk();
    await flush();

    await jest.advanceTimersByTimeAsync(2500);

    expect(ended).toEqual([{ state: 'limit_exceeded', reason: 'RSS 150 MB over the limit of 100 MB for 3 consecutive samples' }]);
  });
});
