import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus, BusError, LeasedWork, type BusSubscription, type SessionStopReason } from '@voxbridge/bus';
import {
  ErrorCode,
  PluginContracts,
  PLUGINS_DOMAIN,
  PluginSubjects,
  SessionEvent,
  SessionSubjects,
  TurnRecordedEvent,
  type PluginConfigEntry,
  type PluginControlReply,
  type PluginControlRequest,
  type PluginRunState,
  type PluginRuntimeDto,
  type PluginStoppedEvent,
} from '@voxbridge/contracts';
import { AgentFollower, AppLogger, ServiceIdentity } from '@voxbridge/platform';
import { KeyRing, type PluginHookName, type PluginMessage, type PluginSessionInfo } from '@voxbridge/plugin-sdk';
import { PluginSupervisorEnv } from '../config/plugin-supervisor.env';
import { PluginProcess } from '../runtime/plugin-process';
import { PluginRun, type PluginRunDeps } from '../runtime/plugin-run';
import { readProcessTimes } from '../runtime/process-stats';
import { pluginLeaseId } from './plugin-leases';
import { PluginRunsRepository } from './plugin-runs.repository';
import { fingerprintOf, PluginModules, pluginSpecOf, PluginSpecError } from './plugin-specs';

/** Resource samples are kept this long. */
const SAMPLE_RETENTION_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
/** How long a plugin may take to stop before it is killed. */
const STOP_GRACE_MS = 2_000;

/**
 * Desired state (each agent's enabled generic plugins: agent-api's list at start and on a timer,
 * kept current by the agent events) against actual state (the plugins this replica holds a lease
 * for, each a PluginRun with its own child process). Session messages reach the plugins of the
 * session's agent through their hooks.
 */
@Injectable()
export class PluginsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly configs = new Map<string, PluginConfigEntry>();
  private readonly log: AppLogger;
  private readonly ring: KeyRing;
  private readonly modules: PluginModules;
  private readonly runDeps: PluginRunDeps;
  /** Each run's row is written in order (one write at a time per run). */
  private readonly writes = new Map<string, Promise<void>>();
  private readonly agents: AgentFollower;
  private leases: LeasedWork<PluginRun> | undefined;
  private subscriptions: BusSubscription[] = [];
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly env: PluginSupervisorEnv,
    private readonly runs: PluginRunsRepository,
    logger: AppLogger,
  ) {
    this.log = logger.child({ component: 'plugins' });
    this.ring = KeyRing.fromText(env.VOXBRIDGE_ENCRYPTION_KEY, env.VOXBRIDGE_ENCRYPTION_OLD_KEYS);
    this.modules = new PluginModules(env.PLUGIN_MODULES);
    this.runDeps = {
      spawn: (spec) => PluginProcess.spawn(spec),
      readStats: readProcessTimes,
      settings: {
        sampleMs: env.PLUGIN_SAMPLE_MS,
        hookTimeoutMs: env.PLUGIN_HOOK_TIMEOUT_MS,
        hookQueueMax: env.PLUGIN_HOOK_QUEUE_MAX,
        restartBaseMs: env.PLUGIN_RESTART_BASE_MS,
        restartMaxMs: env.PLUGIN_RESTART_MAX_MS,
        crashLoopCrashes: env.PLUGIN_CRASH_LOOP_CRASHES,
        crashWindowMs: env.PLUGIN_CRASH_WINDOW_MS,
        stopGraceMs: STOP_GRACE_MS,
      },
      logger: this.log,
      changed: (run) => this.persist(run, false),
      sampled: (run, sample) => this.write(run.id, () => this.runs.addSample(run.id, sample.cpuPercent, sample.rssBytes, sample.overLimit)),
      ended: (run, state, reason) => this.ended(run, state, reason),
    };
    this.agents = new AgentFollower(bus, {
      refresh: (agentId) => this.refresh(agentId),
      forget: (agentId) => this.apply(agentId, []),
      syncAll: () => this.syncAll(),
      resyncMs: env.PLUGIN_RESYNC_MS,
      logger: this.log,
      messages: { changeFailed: 'plugin change not applied', syncFailed: 'plugins not listed: agent-api did not answer' },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.leases = await LeasedWork.open<PluginRun>(this.bus, {
      domain: PLUGINS_DOMAIN,
      service: 'plugin-supervisor',
      instanceId: this.identity.instanceId,
      leaseMs: this.env.PLUGIN_LEASE_MS,
      logger: this.log,
      start: (leaseId) => Promise.resolve(this.startRun(leaseId)),
      stop: (run, leaseId, reason) => this.stopRun(run, reason),
    });
    this.subscriptions = [
      this.bus.subscribeJson(SessionSubjects.turnRecorded, TurnRecordedEvent, (event) => this.turnRecorded(event)),
      this.bus.subscribeJson(SessionSubjects.sessionCreated, SessionEvent, (event) => this.session('onSessionStart', event)),
      this.bus.subscribeJson(SessionSubjects.sessionEnded, SessionEvent, (event) => this.session('onSessionEnd', event)),
    ];
    // Its flush makes the session subscriptions above live too before the first list.
    await this.agents.start();
    this.pruneTimer = setInterval(() => void this.runs.pruneSamples(SAMPLE_RETENTION_MS).catch((error: unknown) => this.log.warn('plugin samples not pruned', { err: error })), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** Every plugin here is handed to another replica (or stopped) before the bus drains. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    await this.agents.stop();
    await this.leases?.close();
    await Promise.all([...this.writes.values()]);
  }

  /** The plugins this replica runs, with their figures (optionally one agent's). */
  runtime(agentId?: string): PluginRuntimeDto[] {
    const now = Date.now();
    return this.heldRuns()
      .filter((run) => !agentId || run.spec.agentId === agentId)
      .map((run) => run.snapshot(this.identity.instanceId, now));
  }

  /** An operator's start / stop / restart, on the replica holding the plugin (the others answer `held: false`). */
  async control(req: PluginControlRequest): Promise<PluginControlReply> {
    const run = this.leases?.work(pluginLeaseId(req.agent_id, req.plugin_type));
    if (!run) return { instance_id: this.identity.instanceId, held: false };
    const fields = { agent_id: req.agent_id, plugin_type: req.plugin_type, action: req.action };
    switch (req.action) {
      case 'start':
        run.start();
        break;
      case 'stop':
        await run.stop('stopped by an operator');
        break;
      case 'restart':
        await run.stop('restarting on an operator’s request');
        run.start();
        break;
      default: {
        const unknown: never = req.action;
        throw new BusError(ErrorCode.ValidationFailed, `unknown action ${String(unknown)}`);
      }
    }
    this.log.info('plugin controlled by an operator', fields);
    return { instance_id: this.identity.instanceId, held: true, plugin: run.snapshot(this.identity.instanceId) };
  }

  // ---- runs on this replica ------------------------------------------------------------------------

  private heldRuns(): PluginRun[] {
    return (this.leases?.held() ?? []).map((id) => this.leases?.work(id)).filter((run): run is PluginRun => run !== undefined);
  }

  private startRun(leaseId: string): PluginRun {
    const entry = this.configs.get(leaseId);
    if (!entry) throw new BusError(ErrorCode.NotFound, 'this replica does not know the plugin (yet)');
    let run: PluginRun;
    try {
      run = new PluginRun(pluginSpecOf(entry, this.modules, this.ring, { cpuPercent: this.env.PLUGIN_CPU_LIMIT_PERCENT, rssMb: this.env.PLUGIN_RSS_LIMIT_MB }), this.runDeps);
    } catch (error) {
      if (!(error instanceof PluginSpecError)) throw error;
      run = new PluginRun({ agentId: entry.agent_id, agentName: entry.agent_name, pluginType: entry.plugin_type, modulePath: '', config: {}, limits: { cpuPercent: 0, rssBytes: 0 } }, this.runDeps);
      this.log.warn('plugin cannot start here', { agent_id: entry.agent_id, plugin_type: entry.plugin_type, reason: error.message });
      run.refuse(error.message);
      return run;
    }
    run.start();
    return run;
  }

  private async stopRun(run: PluginRun, reason: SessionStopReason): Promise<void> {
    await run.stop(`lease ${reason}`);
    this.persist(run, true);
  }

  private ended(run: PluginRun, state: PluginRunState, reason: string): void {
    const event: PluginStoppedEvent = { agent_id: run.spec.agentId, plugin_type: run.spec.pluginType, instance_id: this.identity.instanceId, state, reason, at: new Date().toISOString() };
    this.bus.publishJson(PluginSubjects.stopped, event);
    this.persist(run, false);
  }

  private persist(run: PluginRun, ended: boolean): void {
    this.write(run.id, () =>
      this.runs.save({
        id: run.id,
        agentId: run.spec.agentId,
        pluginType: run.spec.pluginType,
        instanceId: this.identity.instanceId,
        state: run.state,
        reason: run.reason,
        lastError: run.lastError,
        pid: run.pid,
        restarts: run.restarts,
        violations: run.violations,
        hookTimeouts: run.hookTimeouts,
        hooksDropped: run.hooksDropped,
        peakCpuPercent: run.peakCpuPercent,
        peakRssBytes: run.peakRssBytes,
        ended,
      }),
    );
  }

  /** Database writes never hold up a plugin: queued per run, a failure logged. */
  private write(runId: string, work: () => Promise<void>): void {
    const next = (this.writes.get(runId) ?? Promise.resolve())
      .then(work)
      .catch((error: unknown) => this.log.warn('plugin run not recorded', { run_id: runId, err: error }));
    this.writes.set(runId, next);
    void next.finally(() => {
      if (this.writes.get(runId) === next) this.writes.delete(runId);
    });
  }

  // ---- session messages → hooks --------------------------------------------------------------------

  private runsOf(agentId: string): PluginRun[] {
    return this.heldRuns().filter((run) => run.spec.agentId === agentId);
  }

  private turnRecorded(event: TurnRecordedEvent): void {
    const runs = this.runsOf(event.agent_id);
    if (runs.length === 0) return;
    const order = { user: 0, assistant: 1, system: 2 } as const;
    const messages = [...event.messages].sort((a, b) => order[a.role] - order[b.role]);
    for (const message of messages) {
      if (message.role === 'system') continue;
      const payload: PluginMessage = {
        sessionId: event.session_id,
        agentId: event.agent_id,
        turnId: event.turn_id,
        role: message.role,
        ...(message.speaker ? { speaker: message.speaker } : {}),
        text: message.content,
        ...(message.interrupted ? { interrupted: true } : {}),
        at: message.created_at,
      };
      for (const run of runs) run.dispatch(message.role === 'user' ? 'onUserMessage' : 'onAgentResponse', payload);
    }
  }

  private session(hook: Extract<PluginHookName, 'onSessionStart' | 'onSessionEnd'>, event: SessionEvent): void {
    const info: PluginSessionInfo = {
      sessionId: event.id,
      agentId: event.agent_id,
      userId: event.user_id,
      sessionType: event.session_type,
      at: (hook === 'onSessionEnd' ? event.ended_at : null) ?? event.started_at,
    };
    for (const run of this.runsOf(event.agent_id)) run.dispatch(hook, info);
  }

  // ---- desired state -------------------------------------------------------------------------------

  /** The whole list again: plugins that appeared, changed or went while no event reached us. */
  private async syncAll(): Promise<void> {
    const { plugins } = await this.bus.call(PluginContracts.configs, {});
    const byAgent = new Map<string, PluginConfigEntry[]>();
    for (const entry of this.configs.values()) byAgent.set(entry.agent_id, []);
    for (const entry of plugins) byAgent.set(entry.agent_id, [...(byAgent.get(entry.agent_id) ?? []), entry]);
    for (const [agentId, entries] of byAgent) await this.apply(agentId, entries, false);
    await this.want();
    if (!this.agents.synced) this.log.info('plugins listed', { plugins: plugins.length });
  }

  private async refresh(agentId: string): Promise<void> {
    const { plugins } = await this.bus.call(PluginContracts.configs, { agent_id: agentId });
    await this.apply(agentId, plugins);
  }

  /** One agent's plugins as now known: gone ones end, changed ones restart (with the new config), new ones start. */
  private async apply(agentId: string, entries: PluginConfigEntry[], claim = true): Promise<void> {
    const next = new Map(entries.filter((entry) => entry.agent_id === agentId).map((entry) => [pluginLeaseId(agentId, entry.plugin_type), entry]));
    const changed: string[] = [];
    for (const [leaseId, entry] of this.configs) {
      if (entry.agent_id !== agentId) continue;
      const now = next.get(leaseId);
      if (!now) this.configs.delete(leaseId);
      else if (fingerprintOf(now) !== fingerprintOf(entry)) changed.push(leaseId);
    }
    for (const [leaseId, entry] of next) this.configs.set(leaseId, entry);
    if (claim) await this.want();
    for (const leaseId of changed) {
      if (this.leases?.work(leaseId)) {
        this.log.info('plugin config changed: restarting', { agent_id: agentId });
        await this.leases.restart(leaseId);
      }
    }
  }

  private async want(): Promise<void> {
    await this.leases?.want(new Map([...this.configs].map(([leaseId, entry]) => [leaseId, entry.agent_id])));
  }
}
