import { queueGroup, streamName, type PipelineStage } from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { Bus, PipelineSessions, PipelineStageError, SessionHost, type PipelineSession, type SessionStopReason } from '../src';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A replica of a pipeline worker: its own NATS connection, a host, and the sessions it works on. */
interface Replica {
  id: string;
  bus: Bus;
  host: SessionHost<{ sessionId: string }>;
  working: Set<string>;
  stops: Array<{ sessionId: string; reason: SessionStopReason }>;
}

describe('the voice session protocol (SessionHost + PipelineSessions, real NATS)', () => {
  const namespace = uniqueNamespace('proto');
  const stage: PipelineStage = 'stt';
  const replicas: Replica[] = [];
  let gatewayBus: Bus;
  let gateway: PipelineSessions;
  const opened: PipelineSession[] = [];

  const connect = (name: string) => Bus.connect({ servers: testInfra().natsUrl, namespace, name, logger: quiet });

  async function replica(leaseMs = 15_000): Promise<Replica> {
    const id = randomUUID();
    const bus = await connect(`replica-${id}`);
    const working = new Set<string>();
    const stops: Replica['stops'] = [];
    const host = await SessionHost.open(bus, {
      stage,
      instanceId: id,
      leaseMs,
      queue: queueGroup(namespace, 'stt-gateway'),
      logger: quiet,
      start: async ({ sessionId }) => {
        working.add(sessionId);
        return { sessionId };
      },
      stop: async (work, sessionId, reason) => {
        working.delete(work.sessionId);
        stops.push({ sessionId, reason });
      },
    });
    const made = { id, bus, host, working, stops };
    replicas.push(made);
    return made;
  }

  const open = async (events = {}) => {
    const session = await gateway.open(randomUUID(), randomUUID(), events);
    opened.push(session);
    return session;
  };
  const workingOn = (sessionId: string) => replicas.filter((r) => r.working.has(sessionId)).map((r) => r.id);

  beforeAll(async () => {
    gatewayBus = await connect('gateway');
    // A 60 s lease: the heartbeat claims every 20 s, so within a test only the probe can move a session.
    gateway = new PipelineSessions(gatewayBus, { leaseMs: 60_000, probeMs: 100, stages: [stage], logger: quiet });
  });

  afterAll(async () => {
    await Promise.all(opened.map((session) => session.release()));
    gateway.close();
    for (const { host, bus } of replicas) {
      if (!bus.connection.isClosed()) {
        await host.close();
        await bus.drain();
      }
    }
    const jsm = await gatewayBus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, `leases-${stage}`)}`).catch(() => false);
    await gatewayBus.drain();
  });

  it('gives a session to exactly one replica, and keeps it there across heartbeats', async () => {
    await Promise.all([replica(), replica()]);
    const session = await open();
    expect(workingOn(session.sessionId)).toHaveLength(1);
    const [holder] = session.holders();
    expect(holder?.[1]).toBe(workingOn(session.sessionId)[0]);
    // Claims from anywhere (a heartbeat lands on a random replica) never move it.
    for (let i = 0; i < 10; i++) expect((await session.claimAll())).toEqual([]);
    expect(workingOn(session.sessionId)).toEqual([holder?.[1]]);
  });

  it('moves a session to another replica when its holder dies without a goodbye, long before its lease or heartbeat', async () => {
    await Promise.all([replica(), replica()]);
    const moves: Array<{ from?: string; to: string; tookOver: boolean }> = [];
    const session = await open({ stageMoved: (_stage: PipelineStage, move: { from?: string; to: string; tookOver: boolean }) => moves.push(move) });
    const [holderId] = workingOn(session.sessionId);
    const holder = replicas.find((r) => r.id === holderId);
    if (!holder) throw new Error('no holder');

    await holder.bus.connection.close(); // the process is gone: no drain, no release, the lease still there
    holder.working.clear();
    const newHolder = await expectEventually(() => {
      const working = workingOn(session.sessionId);
      expect(working).toHaveLength(1);
      expect(replicas.filter((r) => !r.bus.connection.isClosed()).map((r) => r.id)).toContain(working[0]);
      return working[0];
    }, { timeoutMs: 5_000, intervalMs: 10, context: () => JSON.stringify(replicas.map((r) => [r.id, [...r.working]])) });

    expect(newHolder).not.toBe(holderId);
    await expectEventually(() => expect(moves).toEqual([{ from: holderId, to: newHolder, tookOver: true }]));
    expect(session.holders()).toEqual([[stage, newHolder]]);
  });

  it('hands sessions over on close with no moment where nobody works on them', async () => {
    const live = replicas.filter((r) => !r.bus.connection.isClosed());
    const session = await open();
    const [holderId] = workingOn(session.sessionId);
    const holder = live.find((r) => r.id === holderId);
    if (!holder) throw new Error('no holder');

    let gap = false;
    const watch = setInterval(() => {
      if (workingOn(session.sessionId).length === 0) gap = true;
    }, 1);
    try {
      await holder.host.close();
    } finally {
      clearInterval(watch);
    }
    expect(gap).toBe(false);
    const working = workingOn(session.sessionId);
    expect(working).toHaveLength(1);
    const [after] = working;
    expect(after).not.toBe(holderId);
    expect(live.find((r) => r.id === after)?.host.holds(session.sessionId)).toBe(true);
    expect(holder.stops).toContainEqual({ sessionId: session.sessionId, reason: 'handed_over' });
    await holder.bus.drain();
  });

  it('lets a session go when its gateway stops claiming, and frees it on release', async () => {
    const short = await replica(1_200);
    // Only `short` takes claims now that the others are closed or busy elsewhere? Claim until it holds one.
    const others = replicas.filter((r) => r !== short && !r.bus.connection.isClosed());
    await Promise.all(others.map(async (r) => {
      await r.host.close();
      await r.bus.drain();
    }));
    const session = await open();
    expect(workingOn(session.sessionId)).toEqual([short.id]);
    await session.release();
    expect(short.stops).toContainEqual({ sessionId: session.sessionId, reason: 'released' });
    expect(short.host.holds(session.sessionId)).toBe(false);

    // A session whose gateway vanished (no heartbeat, no release) lapses after its lease.
    const orphan = await open();
    clearIntervalOf(orphan);
    await expectEventually(() => expect(short.stops).toContainEqual({ sessionId: orphan.sessionId, reason: 'lapsed' }), { timeoutMs: 5_000, intervalMs: 50 });
  });

  it('keeps a session whose lease moved to a newer revision still naming it (a renewal stored after its timeout)', async () => {
    const holder = await replica(1_200);
    const others = replicas.filter((r) => r !== holder && !r.bus.connection.isClosed());
    await Promise.all(others.map(async (r) => {
      await r.host.close();
      await r.bus.drain();
    }));
    const session = await open();
    expect(workingOn(session.sessionId)).toEqual([holder.id]);
    const kv = await gatewayBus.connection.jetstream().views.kv(streamName(namespace, `leases-${stage}`));
    await kv.put(session.sessionId, holder.id); // the revision the holder knows is now stale

    // Two renewal rounds (every 400 ms) later it still holds the session and stopped nothing.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await session.claimAll();
    expect(holder.host.holds(session.sessionId)).toBe(true);
    expect(holder.stops.filter((stop) => stop.sessionId === session.sessionId)).toEqual([]);
  });

  it('names the stage when no replica answers', async () => {
    const lonely = new PipelineSessions(gatewayBus, { leaseMs: 60_000, stages: ['tts'], logger: quiet });
    await expect(lonely.open(randomUUID(), randomUUID())).rejects.toMatchObject({ name: PipelineStageError.name, stage: 'tts', service: 'tts-gateway' });
    lonely.close();
  });
});

/** Stops a session's heartbeat without releasing it: its gateway died. */
function clearIntervalOf(session: PipelineSession): void {
  clearInterval((session as unknown as { heartbeat?: NodeJS.Timeout }).heartbeat);
}
