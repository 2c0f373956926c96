import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PluginRunState } from '@voxbridge/contracts';

export interface PluginRunRow {
  id: string;
  agentId: string;
  pluginType: string;
  instanceId: string;
  state: PluginRunState;
  reason: string | undefined;
  lastError: string | undefined;
  pid: number | undefined;
  restarts: number;
  violations: number;
  hookTimeouts: number;
  hooksDropped: number;
  peakCpuPercent: number;
  peakRssBytes: number;
  ended: boolean;
}

export interface PluginRunHistory {
  run_id: string;
  instance_id: string;
  state: string;
  reason: string | null;
  restarts: number;
  violations: number;
}

/** `plugin_supervisor.plugin_runs` and `plugin_samples`. */
@Injectable()
export class PluginRunsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the run or updates it (the row follows the run's life). */
  async save(row: PluginRunRow): Promise<void> {
    await this.dataSource.query(
      `insert into plugin_supervisor.plugin_runs
         (id, agent_id, plugin_type, instance_id, state, reason, last_error, pid, restarts, violations, hook_timeouts, hooks_dropped, peak_cpu_percent, peak_rss_bytes, ended_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, case when $15 then now() end)
       on conflict (id) do update set
         state = excluded.state, reason = excluded.reason, last_error = excluded.last_error, pid = excluded.pid,
         restarts = excluded.restarts, violations = excluded.violations, hook_timeouts = excluded.hook_timeouts,
         hooks_dropped = excluded.hooks_dropped, peak_cpu_percent = excluded.peak_cpu_percent,
         peak_rss_bytes = excluded.peak_rss_bytes, updated_at = now(),
         ended_at = coalesce(plugin_runs.ended_at, excluded.ended_at)`,
      [
        row.id,
        row.agentId,
        row.pluginType,
        row.instanceId,
        row.state,
        row.reason ?? null,
        row.lastError ?? null,
        row.pid ?? null,
        row.restarts,
        row.violations,
        row.hookTimeouts,
        row.hooksDropped,
        row.peakCpuPercent,
        row.peakRssBytes,
        row.ended,
      ],
    );
  }

  async addSample(runId: string, cpuPercent: number | undefined, rssBytes: number, overLimit: boolean): Promise<void> {
    await this.dataSource.query('insert into plugin_supervisor.plugin_samples (run_id, cpu_percent, rss_bytes, over_limit) values ($1, $2, $3, $4)', [
      runId,
      cpuPercent ?? null,
      rssBytes,
      overLimit,
    ]);
  }

  /** Samples older than `keepMs` go (runs stay). */
  async pruneSamples(keepMs: number): Promise<void> {
    await this.dataSource.query(`delete from plugin_supervisor.plugin_samples where at < now() - ($1 || ' milliseconds')::interval`, [String(keepMs)]);
  }

  /** Runs of one plugin, newest first. */
  async history(agentId: string, pluginType: string, limit = 20): Promise<PluginRunHistory[]> {
    const rows: Array<{ id: string; instance_id: string; state: string; reason: string | null; restarts: number; violations: number }> = await this.dataSource.query(
      `select id, instance_id, state, reason, restarts, violations from plugin_supervisor.plugin_runs
        where agent_id = $1 and plugin_type = $2 order by started_at desc limit $3`,
      [agentId, pluginType, limit],
    );
    return rows.map((row) => ({ run_id: row.id, instance_id: row.instance_id, state: row.state, reason: row.reason, restarts: row.restarts, violations: row.violations }));
  }
}
