import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Bus } from '@voxbridge/bus';
import { runMigrations } from '@voxbridge/persistence';
import { generateEncryptionKey } from '@voxbridge/plugin-sdk';
import { expectEventually, FakeN8nWebhook, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { serviceSchema } from '../src/persistence/schema';
import { baseEnv, bootSupervisor, deleteLeaseBucket, entry, FakePluginConfigs, publishTurn, quiet, runtime, seal, turn, type Supervisor, defined } from './support';

/** Waits that include a child process starting (seconds on a loaded machine; tens of seconds on a saturated one). */
const CHILD_START = { timeoutMs: 90_000 };
const eventually = <T>(assertion: () => T | Promise<T>) => expectEventually(assertion, CHILD_START);

// Plugin children start under a TypeScript runner here (@swc-node/register): slower than the built JS.
jest.setTimeout(300_000);

/** Two plugin-supervisor replicas on real NATS and Postgres: each plugin runs once, and moves when its replica goes. */
describe('plugin-supervisor replicas (leases)', () => {
  const namespace = uniqueNamespace('plgl');
  const keyText = generateEncryptionKey();
  const configs = new FakePluginConfigs();
  const first = randomUUID();
  const agents = [first, randomUUID(), randomUUID()];
  const replicas: Supervisor[] = [];
  let bus: Bus;
  let alerts: FakeN8nWebhook;

  beforeAll(async () => {
    await runMigrations(testInfra().databaseUrl, [serviceSchema]);
    alerts = await FakeN8nWebhook.start('/alerts');
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'test', logger: quiet });
    configs.entries = agents.map((agentId) =>
      entry(agentId, 'keyword-alert', { keywords: ['help'], limits: { cpu_percent: 400 } }, { url: seal(keyText, agentId, 'keyword-alert', 'url', alerts.url) }),
    );
    configs.serve(bus);
    const logs: string[] = [];
    replicas.push(...(await Promise.all([bootSupervisor(baseEnv(namespace, keyText), logs), bootSupervisor(baseEnv(namespace, keyText), logs)])));
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.close().catch(() => undefined);
    configs.close();
    await deleteLeaseBucket(bus);
    await bus?.drain();
    await alerts?.stop();
  });

  it('runs each plugin exactly once across the replicas', async () => {
    const plugins = await eventually(async () => {
      const now = await runtime(bus);
      expect(now.filter((p) => p.state === 'running').map((p) => p.agent_id).sort()).toEqual([...agents].sort());
      return now;
    });

    expect(plugins).toHaveLength(3);
    expect(new Set(plugins.map((p) => p.pid)).size).toBe(3);
    publishTurn(bus, turn(first, randomUUID(), 'help me', 'gladly'));
    await eventually(() => expect(alerts.accepted()).toHaveLength(1));
  });

  it('moves a replica’s plugins to the other when it shuts down', async () => {
    const before = await runtime(bus);
    // The replica holding the first agent's plugin goes (it may hold all three).
    const leaving = defined(before.find((p) => p.agent_id === first)).instance_id;
    const index = await indexOfReplica(leaving);
    const [gone] = replicas.splice(index, 1);
    await defined(gone).close();

    const after = await eventually(async () => {
      const now = await runtime(bus);
      expect(now.filter((p) => p.state === 'running').map((p) => p.agent_id).sort()).toEqual([...agents].sort());
      expect(new Set(now.map((p) => p.instance_id))).toEqual(new Set(now.map(() => defined(now[0]).instance_id)));
      expect(defined(now[0]).instance_id).not.toBe(leaving);
      return now;
    });

    expect(after).toHaveLength(3);
    for (const moved of before.filter((p) => p.instance_id === leaving)) await eventually(() => expect(existsSync(`/proc/${moved.pid}`)).toBe(false));
    publishTurn(bus, turn(first, randomUUID(), 'help again', 'sure'));
    await eventually(() => expect(alerts.accepted()).toHaveLength(2));
  });

  /** The replica (by boot order) whose instance id is `instanceId`: asked through its health endpoint. */
  async function indexOfReplica(instanceId: string): Promise<number> {
    for (let i = 0; i < replicas.length; i++) {
      const health = (await (await fetch(`${defined(replicas[i]).instanceUrl}/health`)).json()) as { instance_id?: string; instanceId?: string };
      if ((health.instance_id ?? health.instanceId) === instanceId) return i;
    }
    throw new Error(`no replica with instance ${instanceId}`);
  }
});
