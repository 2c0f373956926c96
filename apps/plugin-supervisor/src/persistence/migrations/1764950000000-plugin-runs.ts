import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Plugin runs (one per plugin held by a replica, from its start to its stop: restarts, violations,
 * hook timeouts, last error, peaks) and their resource samples, measured per child process.
 */
export class PluginRuns1764950000000 implements MigrationInterface {
  readonly name = 'PluginRuns1764950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table plugin_supervisor.plugin_runs (
        id uuid primary key,
        agent_id uuid not null,
        plugin_type text not null,
        instance_id uuid not null,
        state text not null,
        reason text,
        last_error text,
        pid integer,
        restarts integer not null default 0,
        violations integer not null default 0,
        hook_timeouts integer not null default 0,
        hooks_dropped integer not null default 0,
        peak_cpu_percent real not null default 0,
        peak_rss_bytes bigint not null default 0,
        started_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        ended_at timestamptz
      )`);
    await queryRunner.query('create index plugin_runs_agent_type on plugin_supervisor.plugin_runs (agent_id, plugin_type, started_at desc)');
    await queryRunner.query(`
      create table plugin_supervisor.plugin_samples (
        run_id uuid not null references plugin_supervisor.plugin_runs (id) on delete cascade,
        at timestamptz not null default now(),
        cpu_percent real,
        rss_bytes bigint not null,
        over_limit boolean not null
      )`);
    await queryRunner.query('create index plugin_samples_run_at on plugin_supervisor.plugin_samples (run_id, at)');
    await queryRunner.query('create index plugin_samples_at on plugin_supervisor.plugin_samples (at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table plugin_supervisor.plugin_samples');
    await queryRunner.query('drop table plugin_supervisor.plugin_runs');
  }
}
