import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseChildMessage, type ChildToSupervisor, type PluginHealthReport, type PluginHookName, type SupervisorToChild } from '@voxbridge/plugin-sdk';

/** What one child is started with. `config` holds the plugin's secrets in clear: it goes down the IPC pipe only. */
export interface PluginProcessSpec {
  modulePath: string;
  agentId: string;
  agentName: string;
  pluginType: string;
  config: Record<string, unknown>;
  hookTimeoutMs: number;
  hookQueueMax: number;
  onLog(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> | undefined): void;
  onHealth(report: PluginHealthReport): void;
  onHookTimeout(hook: PluginHookName): void;
}

export interface PluginExit {
  code: number | null;
  signal: string | null;
}

/** Loading, validation, initialize or start failed; `fatal`: restarting would fail the same way. */
export class PluginStartError extends Error {
  override readonly name = 'PluginStartError';
  constructor(
    message: string,
    readonly fatal: boolean,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/** The seam PluginRun drives (a fake in unit tests). */
export interface PluginChild {
  readonly pid: number | undefined;
  readonly started: Promise<void>;
  readonly exited: Promise<PluginExit>;
  /** Queues a hook; false when the queue is full (the hook is dropped). */
  dispatch(hook: PluginHookName, payload: unknown): boolean;
  /** Asks the plugin to stop, then kills it after `graceMs`. */
  stop(graceMs: number): Promise<PluginExit>;
  readonly hookTimeouts: number;
  readonly hooksDropped: number;
}

export type PluginChildFactory = (spec: PluginProcessSpec) => PluginChild;

/**
 * The child's entry: the compiled `.js` beside this file, or under a TypeScript runner (tests,
 * `ts-node`) the `.ts` source through @swc-node/register.
 */
function childEntry(): { path: string; execArgv: string[] } {
  const ts = join(__dirname, 'plugin-child.main.ts');
  if (__filename.endsWith('.ts') && existsSync(ts)) return { path: ts, execArgv: ['-r', '@swc-node/register'] };
  return { path: join(__dirname, 'plugin-child.main.js'), execArgv: [] };
}

interface QueuedHook {
  hook: PluginHookName;
  payload: unknown;
}

/**
 * One plugin in its own process (`child_process.fork`) with an IPC channel. Hooks run one at a
 * time in arrival order; one that does not answer within `hookTimeoutMs` is given up and the next
 * is sent, so a hung plugin only ever holds up itself. The queue is bounded: overflow is dropped
 * and counted.
 */
export class PluginProcess implements PluginChild {
  readonly started: Promise<void>;
  readonly exited: Promise<PluginExit>;
  private readonly child: ChildProcess;
  private readonly queue: QueuedHook[] = [];
  private inFlight: { id: number; timer: NodeJS.Timeout; done: () => void } | undefined;
  private nextId = 1;
  private alive = true;
  private timeouts = 0;
  private dropped = 0;

  private constructor(private readonly spec: PluginProcessSpec) {
    const entry = childEntry();
    this.child = fork(entry.path, [], { execArgv: entry.execArgv, // No environment: the supervisor's database URL and fleet key stay here; a plugin's settings come in its config.
      env: {}, stdio: ['ignore', 'ignore', 'ignore', 'ipc']});
    let settleStart: { resolve: () => void; reject: (error: Error) => void } | undefined;
    this.started = new Promise<void>((resolve, reject) => (settleStart = { resolve, reject }));
    this.started.catch(() => undefined);
    this.exited = new Promise<PluginExit>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.alive = false;
        if (this.inFlight) clearTimeout(this.inFlight.timer);
        this.inFlight = undefined;
        this.queue.length = 0;
        settleStart?.reject(new PluginStartError(`plugin process exited before it started (${signal ?? `code ${String(code)}`})`, false));
        resolve({ code, signal });
      });
    });
    this.child.on('error', (error) => spec.onLog('error', 'plugin process error', { error: error.message }));
    this.child.on('message', (raw) => {
      const msg = parseChildMessage(raw);
      if (msg) this.handle(msg, settleStart);
    });
    this.send({ kind: 'init', modulePath: spec.modulePath, agentId: spec.agentId, agentName: spec.agentName, pluginType: spec.pluginType, config: spec.config });
  }

  static spawn(spec: PluginProcessSpec): PluginProcess {
    return new PluginProcess(spec);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hookTimeouts(): number {
    return this.timeouts;
  }

  get hooksDropped(): number {
    return this.dropped;
  }

  dispatch(hook: PluginHookName, payload: unknown): boolean {
    if (!this.alive) return false;
    if (this.queue.length >= this.spec.hookQueueMax) {
      this.dropped += 1;
      return false;
    }
    this.queue.push({ hook, payload });
    this.pump();
    return true;
  }

  async stop(graceMs: number): Promise<PluginExit> {
    if (this.alive) {
      this.queue.length = 0;
      this.send({ kind: 'stop' });
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  private handle(msg: ChildToSupervisor, settleStart: { resolve: () => void; reject: (error: Error) => void } | undefined): void {
    switch (msg.kind) {
      case 'started':
        settleStart?.resolve();
        return;
      case 'start_failed':
        settleStart?.reject(new PluginStartError(msg.message, msg.fatal, msg.fields));
        return;
      case 'hook_done':
        if (this.inFlight?.id === msg.id) this.inFlight.done();
        if (msg.error) this.spec.onLog('warn', 'plugin hook failed', { error: msg.error.slice(0, 200) });
        return;
      case 'health':
        this.spec.onHealth(msg.report);
        return;
      case 'log':
        this.spec.onLog(msg.level, msg.msg, msg.fields);
        return;
      case 'stopped':
        return;
      default: {
        const unknown: never = msg;
        return unknown;
      }
    }
  }

  private pump(): void {
    if (this.inFlight || !this.alive) return;
    const next = this.queue.shift();
    if (!next) return;
    const id = this.nextId++;
    const done = () => {
      if (this.inFlight?.id !== id) return;
      clearTimeout(this.inFlight.timer);
      this.inFlight = undefined;
      this.pump();
    };
    const timer = setTimeout(() => {
      this.timeouts += 1;
      this.spec.onHookTimeout(next.hook);
      done();
    }, this.spec.hookTimeoutMs);
    this.inFlight = { id, timer, done };
    this.send({ kind: 'hook', id, hook: next.hook, payload: next.payload });
  }

  private send(msg: SupervisorToChild): void {
    if (!this.alive || !this.child.connected) return;
    this.child.send(msg, (error) => {
      if (error) this.spec.onLog('debug', 'plugin ipc send failed', { error: error.message });
    });
  }
}
