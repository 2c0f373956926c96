import { AckPolicy, connect, type NatsConnection } from 'nats';
import { SESSIONS_STREAM_SUBJECTS, SessionSubjects } from '@voxbridge/contracts';
import { expectEventually } from '@voxbridge/testing';
import { startConfiguredNats, testNatsPassword as password, type ConfiguredNats } from './test-support/configured-nats';

const SID = '6f1c2b1e-8a4d-4c3e-9f7a-1b2c3d4e5f60';

describe('generated NATS permissions', () => {
  let server: ConfiguredNats | undefined;
  const open: NatsConnection[] = [];
  const server_ = () => `127.0.0.1:${server?.port ?? 0}`;

  async function as(user: string): Promise<{ nc: NatsConnection; errors: string[] }> {
    const nc = await connect({ servers: server_(), user, pass: password(user), name: `acl-test-${user}` });
    open.push(nc);
    const errors: string[] = [];
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'error') errors.push(`${String(status.data)} ${status.permissionContext?.operation ?? ''} "${status.permissionContext?.subject ?? ''}"`);
    })();
    return { nc, errors };
  }

  beforeAll(async () => {
    server = await startConfiguredNats();
  });

  afterAll(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    await server?.stop();
  });

  it('refuses a wrong password', async () => {
    await expect(connect({ servers: server_(), user: 'stt-gateway', pass: 'wrong', maxReconnectAttempts: 0 })).rejects.toThrow(/authorization/i);
  });

  it('lets stt-gateway publish its own media streams and drops what it may not publish', async () => {
    const admin = await as('admin');
    const seen: string[] = [];
    const tap = admin.nc.subscribe(`vb.voice.v1.${SID}.>`, { callback: (_error, msg) => seen.push(msg.subject) });
    await admin.nc.flush();
    const stt = await as('stt-gateway');
    stt.nc.publish(`vb.voice.v1.${SID}.audio.out`); // tts-gateway's stream
    stt.nc.publish(`vb.voice.v1.${SID}.vad`);
    await stt.nc.flush();
    await expectEventually(() => expect(seen).toEqual([`vb.voice.v1.${SID}.vad`]));
    await expectEventually(() => expect(stt.errors.join('\n')).toMatch(/PERMISSIONS_VIOLATION publish "vb\.voice\.v1\.[^"]+\.audio\.out"/));
    tap.unsubscribe();
  });

  it('lets a service subscribe to what it consumes and refuses other subscriptions', async () => {
    const tts = await as('tts-gateway');
    const replies: string[] = [];
    tts.nc.subscribe(`vb.voice.v1.${SID}.reply`, { callback: (_error, msg) => replies.push(msg.string()) });
    tts.nc.subscribe(`vb.voice.v1.${SID}.audio.in`); // stt-gateway's input
    await tts.nc.flush();
    const llm = await as('llm-router');
    llm.nc.publish(`vb.voice.v1.${SID}.reply`, 'hello');
    await expectEventually(() => expect(replies).toEqual(['hello']));
    await expectEventually(() => expect(tts.errors.join('\n')).toMatch(/PERMISSIONS_VIOLATION subscription "vb\.voice\.v1\.[^"]+\.audio\.in"/));
  });

  it('lets a requester reach its responder, and the responder answer', async () => {
    const agentApi = await as('agent-api');
    agentApi.nc.subscribe('vb.agents.v1.agent.get', { callback: (_error, msg) => msg.respond(new TextEncoder().encode('agent')) });
    await agentApi.nc.flush();
    const llm = await as('llm-router');
    const reply = await llm.nc.request('vb.agents.v1.agent.get', undefined, { timeout: 2_000 });
    expect(reply.string()).toBe('agent');
    // stt-gateway asks agents too, but never sessions.
    const stt = await as('stt-gateway');
    stt.nc.publish('vb.sessions.v1.session.create');
    await stt.nc.flush();
    await expectEventually(() => expect(stt.errors.join('\n')).toMatch(/PERMISSIONS_VIOLATION publish "vb\.sessions\.v1\.session\.create"/));
  });

  it('runs the durable turn path through JetStream: llm-router publishes, session-store consumes, under their own users', async () => {
    const store = await as('session-store');
    const storeJsm = await store.nc.jetstreamManager();
    await storeJsm.streams.add({ name: 'VB_SESSIONS', subjects: SESSIONS_STREAM_SUBJECTS.map((s) => `vb.${s}`) });
    await storeJsm.consumers.add('VB_SESSIONS', { durable_name: 'acl-test', ack_policy: AckPolicy.Explicit, filter_subject: `vb.${SessionSubjects.turnCommitted}` });
    const llm = await as('llm-router');
    const ack = await llm.nc.jetstream().publish(`vb.${SessionSubjects.turnCommitted}`, new TextEncoder().encode('turn 1'), { msgID: 'acl-test-1' });
    expect(ack.stream).toBe('VB_SESSIONS');
    const consumer = await store.nc.jetstream().consumers.get('VB_SESSIONS', 'acl-test');
    const message = await consumer.next({ expires: 2_000 });
    expect(message?.string()).toBe('turn 1');
    await message?.ackAck();
    // tts-gateway's user may neither read the sessions stream nor manage its consumers.
    const tts = await as('tts-gateway');
    const ttsJsm = await tts.nc.jetstreamManager({ checkAPI: false });
    await expect(ttsJsm.consumers.add('VB_SESSIONS', { durable_name: 'acl-test-tts', ack_policy: AckPolicy.Explicit })).rejects.toThrow();
  });

  it('lets stt-gateway open its lease bucket and no other', async () => {
    const stt = await as('stt-gateway');
    const kv = await stt.nc.jetstream().views.kv('VB_LEASES_STT', { history: 1, ttl: 15_000 });
    await kv.put('session', new TextEncoder().encode('instance'));
    expect((await kv.get('session'))?.string()).toBe('instance');
    await expect(stt.nc.jetstream().views.kv('VB_LEASES_TTS', { history: 1, ttl: 15_000 })).rejects.toThrow();
  });
});
