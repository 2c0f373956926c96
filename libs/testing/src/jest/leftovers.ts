import { connect } from 'nats';
import { Client } from 'pg';

/**
 * What a test run leaves behind when a test stops a fleet without deleting its JetStream streams
 * or dropping its database (every e2e fleet, every service harness): found by the run id that
 * `uniqueNamespace` and `createTestDatabase` put in every name, and removed at the end of the run.
 * Only this run's names match, so a run beside another (or beside a fleet of yours) touches
 * nothing else. Never throws: cleaning up must not fail a green run.
 */
export async function removeRunLeftovers(natsUrl: string, serverUrl: string, runId: string): Promise<string[]> {
  if (!/^[0-9a-f]{6}$/.test(runId)) return [];
  const problems: string[] = [];
  // Stream names are the namespace upper-cased (`<NS>_SESSIONS`, KV buckets `KV_<NS>_LEASES_STT`).
  const ours = new RegExp(`^(KV_)?[A-Z0-9_-]*${runId.toUpperCase()}[0-9A-F]{8}_`);
  try {
    const nc = await connect({ servers: natsUrl, name: 'test-run-cleanup' });
    try {
      const jsm = await nc.jetstreamManager();
      const names: string[] = [];
      for await (const stream of jsm.streams.list()) if (ours.test(stream.config.name)) names.push(stream.config.name);
      for (const name of names) await jsm.streams.delete(name).catch((error: unknown) => problems.push(`stream ${name}: ${String(error)}`));
    } finally {
      await nc.close();
    }
  } catch (error) {
    problems.push(`NATS: ${String(error)}`);
  }
  try {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`%\\_${runId}\\_%`]);
      for (const { datname } of rows) {
        await client.query(`drop database if exists "${datname}" with (force)`).catch((error: unknown) => problems.push(`database ${datname}: ${String(error)}`));
      }
    } finally {
      await client.end();
    }
  } catch (error) {
    problems.push(`Postgres: ${String(error)}`);
  }
  return problems;
}
