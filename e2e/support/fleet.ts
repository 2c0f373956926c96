import type { FleetHealthReport } from '@voxbridge/contracts';
import { createTestDatabase, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBase } from './launcher-process';

/** One fleet started by the launcher for a test: its own home, namespace, ports and database. */
export interface Run {
  home: string;
  namespace: string;
  portBase: number;
  env: NodeJS.ProcessEnv;
}

export interface RunOptions {
  /** Another NATS than the test run's (a server the test owns). */
  natsUrl?: string;
  /** Ports the fleet needs from its base: the eight services' by default, more with `--replicas`. */
  portCount?: number;
}

export async function newRun(options: RunOptions = {}): Promise<Run> {
  const { serverUrl } = testInfra();
  const natsUrl = options.natsUrl ?? testInfra().natsUrl;
  // A database of its own: first start (bootstrap admin key, seeding) happens for this fleet.
  const databaseUrl = await createTestDatabase(serverUrl, 'vb_e2e_fleet');
  const home = join(mkdtempSync(join(tmpdir(), 'vb-e2e-launcher-')), 'home');
  const namespace = uniqueNamespace('e2e');
  const portBase = await freePortBase(options.portCount);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: natsUrl,
    DATABASE_URL: databaseUrl,
    VOXBRIDGE_NAMESPACE: namespace,
    VOXBRIDGE_HOME: home,
    VOXBRIDGE_PORT_BASE: String(portBase),
  };
  return { home, namespace, portBase, env };
}

/** The admin key the launcher created on first start (the fleet's own database has no other). */
export function adminKey(run: Run): string {
  return readFileSync(join(run.home, 'admin-key'), 'utf8').trim();
}

export async function fleetHealth(run: Run): Promise<FleetHealthReport> {
  const response = await fetch(`http://127.0.0.1:${run.portBase}/api/fleet/health`, {
    headers: { authorization: `Bearer ${adminKey(run)}` },
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as FleetHealthReport;
}

