import { randomUUID } from 'node:crypto';
import type { PluginRunState, PluginRuntimeDto } from '@voxbridge/contracts';
import type { PluginHealthReport, PluginHookName } from '@voxbridge/plugin-sdk';
import { PluginStartError, type PluginChild, type PluginChildFactory } from './plugin-process';
import { cpuPercent, type ProcessTimes } from './process-stats';

export interface PluginLimits {
  /** Percent of one core. */
  cpuPercent: number;
  rssBytes: number;
}

/** One agent's plugin of one type, as it should run. `config` carries decrypted secrets: never logged. */
export interface PluginSpec {
  agentId: string;
  agentName: string;
  pluginType: string;
  modulePath: string;
  config: Record<string, unknown>;
  limits: PluginLimits;
}

export interface PluginRunSettings {
  sampleMs: number;
  hookTimeoutMs: number;
  hookQueueMax: number;
  restartBaseMs: number;
  restartMaxMs: number;
  crashLoopCrashes: number;
  crashWindowMs: number;
  /** How long `stop` waits for the plugin before killing it. */
  stopGraceMs: number;
}

/** Consecutive samples over a limit that stop a plugin. */
export const VIOLATIONS_TO_STOP = 3;

export interface PluginSample {
  cpuPercent: number | undefined;
  rssBytes: number;
  overLimit: boolean;
}

export interface PluginRunLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** What a run tells the rest of the supervisor (persistence, events, logs). */
export interface PluginRunDeps {
  spawn: PluginChildFactory;
  readStats(pid: number): Promise<ProcessTimes | undefined>;
  settings: PluginRunSettings;
  logger: PluginRunLogger;
  /** State or counters changed. */
  changed(run: PluginRun): void;
  sampled(run: PluginRun, sample: PluginSample): void;
  /** Stopped by its limits, a crash loop or a start that can never succeed (not by an operator or a lease). */
  ended(run: PluginRun, state: PluginRunState, reason: string): void;
}

/**
 * One plugin on this replica, from its lease's start to its stop: the child process, restarts with
 * backoff after a crash (a crash loop ends `failed`), per-process CPU and RSS sampled from the OS,
 * and its limits (VIOLATIONS_TO_STOP consecutive samples over one stop it, `limit_exceeded`).
 */
export class PluginRun {
  readonly id = randomUUID();
  /** Until `start`. */
  private stateNow: PluginRunState = 'stopped';
  private child: PluginChild | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastTimes: { at: number; times: ProcessTimes } | undefined;
  private crashes: number[] = [];
  private startedAtMs: number | undefined;
  private stopping: Promise<void> | undefined;
  /** Cannot run here until its config changes (a new run then). */
  private refused = false;
  private timeoutsBefore = 0;
  private droppedBefore = 0;
  reason: string | undefined;
  lastError: string | undefined;
  restarts = 0;
  consecutiveViolations = 0;
  violations = 0;
  cpuPercent: number | undefined;
  rssBytes: number | undefined;
  peakCpuPercent = 0;
  peakRssBytes = 0;
  health: PluginHealthReport | undefined;

  constructor(
    readonly spec: PluginSpec,
    private readonly deps: PluginRunDeps,
  ) {}

  get state(): PluginRunState {
    return this.stateNow;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get hookTimeouts(): number {
    return this.timeoutsBefore + (this.child?.hookTimeouts ?? 0);
  }

  get hooksDropped(): number {
    return this.droppedBefore + (this.child?.hooksDropped ?? 0);
  }

  /** Starts the child (again, after an operator's stop or a failure). */
  start(): void {
    if (this.refused || this.stateNow === 'running' || this.stateNow === 'starting' || this.stateNow === 'backoff') return;
    this.crashes = [];
    this.reason = undefined;
    this.consecutiveViolations = 0;
    this.launch();
  }

  /** The plugin cannot run here (no module, a secret that cannot be read): failed, with why. */
  refuse(reason: string): void {
    this.refused = true;
    this.lastError = reason;
    this.setState('failed', reason);
    this.deps.ended(this, 'failed', reason);
  }

  /** Ends the child; the run stays (stopped) until started again or dropped. */
  async stop(reason: string, state: PluginRunState = 'stopped'): Promise<void> {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.stopSampler();
    const child = this.child;
    this.setState(state, reason);
    if (!child) return;
    this.stopping ??= (async () => {
      await child.stop(this.deps.settings.stopGraceMs);
    })();
    await this.stopping;
    this.stopping = undefined;
  }

  /** Hands one hook to the plugin; false when it is not running or its queue is full. */
  dispatch(hook: PluginHookName, payload: unknown): boolean {
    if (this.stateNow !== 'running' || !this.child) return false;
    // A drop is counted by the child; it is recorded with the run's next change, not one write per drop.
    return this.child.dispatch(hook, payload);
  }

  snapshot(instanceId: string, now = Date.now()): PluginRuntimeDto {
    return {
      agent_id: this.spec.agentId,
      plugin_type: this.spec.pluginType,
      instance_id: instanceId,
      state: this.stateNow,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.lastError ? { last_error: this.lastError } : {}),
      ...(this.pid !== undefined && (this.stateNow === 'running' || this.stateNow === 'starting') ? { pid: this.pid } : {}),
      ...(this.startedAtMs !== undefined ? { started_at: new Date(this.startedAtMs).toISOString() } : {}),
      uptime_ms: this.startedAtMs !== undefined && this.stateNow === 'running' ? Math.max(0, now - this.startedAtMs) : 0,
      restarts: this.restarts,
      consecutive_violations: this.consecutiveViolations,
      violations: this.violations,
      hook_timeouts: this.hookTimeouts,
      hooks_dropped: this.hooksDropped,
      ...(this.cpuPercent !== undefined ? { cpu_percent: this.cpuPercent } : {}),
      ...(this.rssBytes !== undefined ? { rss_bytes: this.rssBytes } : {}),
      peak_cpu_percent: this.peakCpuPercent,
      peak_rss_bytes: this.peakRssBytes,
      limits: { cpu_percent: this.spec.limits.cpuPercent, rss_bytes: this.spec.limits.rssBytes },
      ...(this.health ? { health: this.health } : {}),
    };
  }

  // ---- the child -----------------------------------------------------------------------------------

  private launch(): void {
    const { spec, deps } = this;
    const log = (fields?: Record<string, unknown>) => ({ agent_id: spec.agentId, plugin_type: spec.pluginType, ...fields });
    if (this.child) {
      this.timeoutsBefore += this.child.hookTimeouts;
      this.droppedBefore += this.child.hooksDropped;
    }
    this.setState('starting');
    const child = deps.spawn({
      modulePath: spec.modulePath,
      agentId: spec.agentId,
      agentName: spec.agentName,
      pluginType: spec.pluginType,
      config: spec.config,
      hookTimeoutMs: deps.settings.hookTimeoutMs,
      hookQueueMax: deps.settings.hookQueueMax,
      // A plugin's own log lines: its fields pass through the supervisor's redaction like ours.
      onLog: (level, msg, fields) => deps.logger[level]('plugin: ' + msg, log({ plugin_fields: fields })),
      onHealth: (report) => {
        this.health = report;
      },
      onHookTimeout: (hook) => {
        deps.logger.warn('plugin hook timed out', log({ hook }));
        deps.changed(this);
      },
    });
    this.child = child;
    this.lastTimes = undefined;
    child.started.then(
      () => {
        if (this.child !== child || this.stateNow !== 'starting') return;
        this.startedAtMs = Date.now();
        this.setState('running');
        this.startSampler(child);
        deps.logger.info('plugin started', log({ pid: child.pid }));
      },
      (error: unknown) => {
        if (this.child !== child || this.stateNow !== 'starting') return;
        const message = error instanceof Error ? error.message : String(error);
        this.lastError = message;
        if (error instanceof PluginStartError && error.fatal) {
          deps.logger.warn('plugin cannot start', log({ error: message, fields: error.fields }));
          void this.end('failed', message);
        }
        // Not fatal: end the child; its exit is handled as a crash (restart with backoff).
        void child.stop(deps.settings.stopGraceMs);
      },
    );
    void child.exited.then((exit) => {
      if (this.child !== child) return;
      this.stopSampler();
      if (this.stateNow !== 'running' && this.stateNow !== 'starting') return;
      this.lastError ??= `exited with ${exit.signal ?? `code ${String(exit.code)}`}`;
      if (this.stateNow === 'running') this.lastError = `exited with ${exit.signal ?? `code ${String(exit.code)}`}`;
      this.crashed();
    });
  }

  private crashed(): void {
    const { settings, logger } = this.deps;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((at) => now - at < settings.crashWindowMs), now];
    const fields = { agent_id: this.spec.agentId, plugin_type: this.spec.pluginType, crashes: this.crashes.length, last_error: this.lastError };
    if (this.crashes.length >= settings.crashLoopCrashes) {
      logger.warn('plugin crash loop: marked failed', fields);
      void this.end('failed', `crash loop: ${this.crashes.length} crashes within ${Math.round(settings.crashWindowMs / 1000)} s`);
      return;
    }
    const delayMs = Math.min(settings.restartMaxMs, settings.restartBaseMs * 2 ** (this.crashes.length - 1));
    logger.warn('plugin crashed: restarting after backoff', { ...fields, delay_ms: delayMs });
    this.setState('backoff', `crashed; restarting in ${delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stateNow !== 'backoff') return;
      this.restarts += 1;
      this.launch();
    }, delayMs);
    this.restartTimer.unref();
  }

  private async end(state: PluginRunState, reason: string): Promise<void> {
    await this.stop(reason, state);
    this.deps.ended(this, state, reason);
  }

  // ---- measurement and limits ----------------------------------------------------------------------

  private startSampler(child: PluginChild): void {
    this.stopSampler();
    this.sampler = setInterval(() => void this.sample(child), this.deps.settings.sampleMs);
    this.sampler.unref();
    void this.sample(child);
  }

  private stopSampler(): void {
    clearInterval(this.sampler);
    this.sampler = undefined;
  }

  private async sample(child: PluginChild): Promise<void> {
    const pid = child.pid;
    if (pid === undefined || this.child !== child || this.stateNow !== 'running') return;
    const times = await this.deps.readStats(pid).catch(() => undefined);
    if (!times || this.child !== child || this.stateNow !== 'running') return;
    const at = Date.now();
    const cpu = this.lastTimes ? cpuPercent(this.lastTimes.times, times, at - this.lastTimes.at) : undefined;
    this.lastTimes = { at, times };
    this.cpuPercent = cpu;
    this.rssBytes = times.rssBytes;
    if (cpu !== undefined) this.peakCpuPercent = Math.max(this.peakCpuPercent, cpu);
    this.peakRssBytes = Math.max(this.peakRssBytes, times.rssBytes);
    const { limits } = this.spec;
    const overCpu = cpu !== undefined && cpu > limits.cpuPercent;
    const overRss = times.rssBytes > limits.rssBytes;
    const overLimit = overCpu || overRss;
    if (overLimit) {
      this.violations += 1;
      this.consecutiveViolations += 1;
    } else {
      this.consecutiveViolations = 0;
    }
    this.deps.sampled(this, { cpuPercent: cpu, rssBytes: times.rssBytes, overLimit });
    if (this.consecutiveViolations >= VIOLATIONS_TO_STOP) {
      const what = overCpu
        ? `CPU ${cpu}% over the limit of ${limits.cpuPercent}%`
        : `RSS ${Math.round(times.rssBytes / 1_048_576)} MB over the limit of ${Math.round(limits.rssBytes / 1_048_576)} MB`;
      const reason = `${what} for ${VIOLATIONS_TO_STOP} consecutive samples`;
      this.deps.logger.warn('plugin over its limits: stopped', { agent_id: this.spec.agentId, plugin_type: this.spec.pluginType, reason });
      await this.end('limit_exceeded', reason);
    }
  }

  private setState(state: PluginRunState, reason?: string): void {
    this.stateNow = state;
    if (reason !== undefined || state === 'running' || state === 'starting') this.reason = reason;
    if (state !== 'running') {
      this.cpuPercent = undefined;
    }
    this.deps.changed(this);
  }
}
