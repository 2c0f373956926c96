import { streamName } from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { Bus, SessionLeases } from '../src';

describe(SessionLeases.name, () => {
  const namespace = uniqueNamespace();
  let bus: Bus;
  const opened: SessionLeases[] = [];
  const open = async (instanceId: string, leaseMs = 1_500, onLapsed?: (id: string) => void) => {
    const leases = await SessionLeases.open(bus, { kind: 'stt', instanceId, leaseMs, onLapsed });
    opened.push(leases);
    return leases;
  };

  beforeAll(async () => {
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'leases-test' });
  });

  afterAll(async () => {
    await Promise.all(opened.map((leases) => leases.close()));
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, 'leases-stt')}`).catch(() => false);
    await bus.drain();
  });

  it('gives a session to one replica only; the others name the owner', async () => {
    const [a, b] = [await open('replica-a'), await open('replica-b')];
    const session = randomUUID();

    expect(await a.claim(session)).toEqual({ ownerInstanceId: 'replica-a', taken: true });
    expect(await b.claim(session)).toEqual({ ownerInstanceId: 'replica-a', taken: false });
    expect(await a.claim(session)).toEqual({ ownerInstanceId: 'replica-a', taken: false });
    expect(a.holds(session)).toBe(true);
    expect(b.holds(session)).toBe(false);
  });

  it('lets another replica take over when the owner dies (its lease lapses)', async () => {
    const survivor = await open('replica-c');
    const session = randomUUID();
    // A replica that claimed the session and then crashed: its key is there, nobody renews it.
    const kv = await bus.connection.jetstream().views.kv(streamName(namespace, 'leases-stt'));
    await kv.create(session, 'replica-dead');

    expect((await survivor.claim(session)).taken).toBe(false);
    await expectEventually(async () => expect(await survivor.claim(session)).toEqual({ ownerInstanceId: 'replica-c', taken: true }), {
      timeoutMs: 10_000,
      intervalMs: 250,
    });
  });

  it('releases at once on request, and lets a session go when nobody claims it for a lease', async () => {
    const lapsed: string[] = [];
    const a = await open('replica-d', 1_200, (id) => lapsed.push(id));
    const b = await open('replica-e');
    const released = randomUUID();
    await a.claim(released);
    await a.release(released);
    expect(await b.claim(released)).toEqual({ ownerInstanceId: 'replica-e', taken: true });

    const forgotten = randomUUID();
    await a.claim(forgotten);
    await expectEventually(() => expect(lapsed).toEqual([forgotten]), { timeoutMs: 10_000, intervalMs: 100 });
    expect(a.holds(forgotten)).toBe(false);
  });

  it('keeps the owner holding a session whose heartbeats reach another replica', async () => {
    const lapsed: string[] = [];
    const owner = await open('replica-g', 1_200, (id) => lapsed.push(id));
    const other = await open('replica-h', 1_200);
    const session = randomUUID();
    await owner.claim(session);
    // Two lease periods of heartbeats, all answered by the other replica (the queue group's pick).
    for (let i = 0; i < 8; i++) {
      expect(await other.claim(session)).toEqual({ ownerInstanceId: 'replica-g', taken: false });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(lapsed).toEqual([]);
    expect(owner.holds(session)).toBe(true);
  });

  it('refuses a session id that is not a UUID', async () => {
    const a = await open('replica-f');
    await expect(a.claim('a.b')).rejects.toThrow(/session id must be a UUID/);
  });
});
