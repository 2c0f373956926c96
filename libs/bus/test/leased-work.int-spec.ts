import { Bus } from '../src/bus';
import { LeasedWork } from '../src/sessions/leased-work';
import { SessionStopReason } from '../src/sessions/session-host';
import { streamName } from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';

/** The pieces to run, each keyed by its agent id (as bots are). */
const wanted = (...agentIds: string[]) => new Map(agentIds.map((id) => [id, id]));

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A replica reduced to its leases (as discord-connector runs bots): what it runs, and why it stopped. */
interface Replica {
  id: string;
  bus: Bus;
  leases: LeasedWork<{ agentId: string }>;
  running: Set<string>;
  stops: Array<{ agentId: string; reason: SessionStopReason }>;
}

describe(LeasedWork.name, () => {
  const namespace = uniqueNamespace('dbot');
  const replicas: Replica[] = [];
  const LEASE_MS = 1_500;

  async function replica(): Promise<Replica> {
    const id = randomUUID();
    const bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: `discord-${id}`, logger: quiet });
    const running = new Set<string>();
    const stops: Replica['stops'] = [];
    const leases = await LeasedWork.open(bus, {
      domain: 'discord',
      service: 'discord-connector',
      instanceId: id,
      leaseMs: LEASE_MS,
      logger: quiet,
      start: async (_leaseId, agentId) => {
        running.add(agentId);
        return { agentId };
      },
      stop: async (work, agentId, reason) => {
        running.delete(work.agentId);
        stops.push({ agentId, reason });
      },
    });
    const made = { id, bus, leases, running, stops };
    replicas.push(made);
    return made;
  }

  const alive = () => replicas.filter((r) => !r.bus.connection.isClosed());
  const runningIt = (agentId: string) => alive().filter((r) => r.running.has(agentId)).map((r) => r.id);
  const context = () => JSON.stringify(replicas.map((r) => [r.id, r.bus.connection.isClosed() ? 'dead' : 'alive', [...r.running]]));

  afterAll(async () => {
    for (const r of alive()) {
      await r.leases.close();
      await r.bus.drain();
    }
    const bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'cleanup', logger: quiet });
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, 'leases-discord')}`).catch(() => false);
    await bus.drain();
  });

  it('runs a bot on exactly one replica when every replica wants it, and every replica knows which', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const agentId = randomUUID();

    await Promise.all([a.leases.want(wanted(agentId)), b.leases.want(wanted(agentId))]);

    const holder = await expectEventually(() => {
      const ids = runningIt(agentId);
      expect(ids).toHaveLength(1);
      expect(a.leases.owner(agentId)).toBe(ids[0]);
      expect(b.leases.owner(agentId)).toBe(ids[0]);
      return ids[0];
    }, { context });
    // More claim rounds from both replicas never start a second client.
    await Promise.all([a.leases.want(wanted(agentId)), b.leases.want(wanted(agentId)), a.leases.want(wanted(agentId)), b.leases.want(wanted(agentId))]);
    expect(runningIt(agentId)).toEqual([holder]);
    expect([...a.stops, ...b.stops]).toEqual([]);
  });

  it('moves the bot to another replica within seconds when its replica dies without a goodbye', async () => {
    const agentId = randomUUID();
    await Promise.all(alive().map((r) => r.leases.want(wanted(agentId))));
    const [holderId] = await expectEventually(() => {
      const ids = runningIt(agentId);
      expect(ids).toHaveLength(1);
      return ids;
    }, { context });
    const holder = replicas.find((r) => r.id === holderId);
    if (!holder) throw new Error('no holder');

    await holder.bus.connection.close(); // the process is gone: no hand-over, its lease still stored

    const next = await expectEventually(() => {
      const ids = runningIt(agentId);
      expect(ids).toHaveLength(1);
      return ids[0];
    }, { timeoutMs: 5_000, context });
    expect(next).not.toBe(holderId);
  });

  it('hands the bot over on close (SIGTERM) and the closing replica stops it', async () => {
    await replica();
    const agentId = randomUUID();
    await Promise.all(alive().map((r) => r.leases.want(wanted(agentId))));
    const [holderId] = await expectEventually(() => {
      const ids = runningIt(agentId);
      expect(ids).toHaveLength(1);
      return ids;
    }, { context });
    const holder = replicas.find((r) => r.id === holderId);
    if (!holder) throw new Error('no holder');

    await holder.leases.close();

    expect(holder.stops).toContainEqual({ agentId, reason: 'handed_over' });
    expect(holder.running.has(agentId)).toBe(false);
    const others = alive().filter((r) => r !== holder);
    await expectEventually(() => expect(others.filter((r) => r.running.has(agentId))).toHaveLength(1), { context });
    await holder.bus.drain();
  });

  it('stops the bot when its agent no longer has one (deleted or disabled)', async () => {
    const live = alive();
    const agentId = randomUUID();
    await Promise.all(live.map((r) => r.leases.want(wanted(agentId))));
    const [holderId] = await expectEventually(() => {
      const ids = runningIt(agentId);
      expect(ids).toHaveLength(1);
      return ids;
    }, { context });

    await Promise.all(live.map((r) => r.leases.want(wanted())));

    expect(runningIt(agentId)).toEqual([]);
    expect(replicas.find((r) => r.id === holderId)?.stops).toContainEqual({ agentId, reason: 'ended' });
  });
});
