import { Bus } from '@voxbridge/bus';
import {
  AgentSubjects,
  BusSubjects,
  DEAD_LETTER_DOMAIN,
  deadLetterSubject,
  MessageDeadLetteredEvent,
  namespaced,
  SessionSubjects,
  streamName,
  type HistoryDto,
  type MessageDto,
  type SessionDto,
  type SessionPage,
  type TurnCommittedEvent,
  type TurnRecordedEvent,
} from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AGENTS_DURABLE } from '../src/agents/agent-events.handlers';
import { AppModule } from '../src/app.module';
import { SessionStoreEnv } from '../src/config/session-store.env';
import { serviceSchema } from '../src/persistence/schema';
import { TURNS_DURABLE } from '../src/turns/turns.handlers';

// Real NATS (JetStream) + Postgres: durable turns and agent events, and the history built from them.

const definition = { service: 'session-store' as const, env: SessionStoreEnv, module: AppModule.register.bind(AppModule) };

describe('session-store durable turns, history and agent events', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let databaseUrl: string;
  let service: RunningService;
  let bus: Bus;
  const recorded: TurnRecordedEvent[] = [];
  const deadLettered: MessageDeadLetteredEvent[] = [];

  const boot = () => bootService(definition, { NATS_URL: infra.natsUrl, DATABASE_URL: databaseUrl, VOXBRIDGE_NAMESPACE: namespace });
  const createSession = (agentId = randomUUID()) =>
    bus.requestJson<SessionDto>(SessionSubjects.create, { user_id: 'u-turns', agent_id: agentId, session_type: 'webrtc' });
  const get = (id: string) => bus.requestJson<SessionDto>(SessionSubjects.get, { id });
  const messages = async (sessionId: string) => (await bus.requestJson<{ items: MessageDto[] }>(SessionSubjects.listMessages, { session_id: sessionId })).items;
  const history = (sessionId: string, options: { max_turns?: number; max_chars?: number } = {}) =>
    bus.requestJson<HistoryDto>(SessionSubjects.history, { session_id: sessionId, ...options });
  const turn = (sessionId: string, overrides: Partial<TurnCommittedEvent> = {}): TurnCommittedEvent => ({
    turn_id: randomUUID(),
    session_id: sessionId,
    agent_id: randomUUID(),
    user_text: 'What is the capital of France?',
    assistant_text: 'Paris.',
    interrupted: false,
    speaker: 'ada',
    stt_latency_ms: 120,
    llm_ttft_ms: 340,
    tts_ttfb_ms: 90,
    total_latency_ms: 610,
    overhead_ms: 60,
    provider: 'fake',
    model: 'fake-1',
    committed_at: new Date().toISOString(),
    ...overrides,
  });
  const commit = (event: TurnCommittedEvent, msgId: string = randomUUID()) => bus.publishDurable(SessionSubjects.turnCommitted, event, { msgId });
  /** Resolves once the durable has acked everything in its stream up to `seq`. */
  const consumed = (durable: string, domain: string, seq: number) =>
    expectEventually(async () => {
      const jsm = await bus.connection.jetstreamManager();
      const info = await jsm.consumers.info(streamName(namespace, domain), durable);
      expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(seq);
      expect(info.num_ack_pending).toBe(0);
    });
  const metric = async (name: string) => {
    const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_session_store');
    await runMigrations(databaseUrl, [serviceSchema]);
    service = await boot();
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'session-store-turns-test' });
    bus.connection.subscribe(namespaced(namespace, SessionSubjects.turnRecorded), {
      callback: (_, msg) => recorded.push(JSON.parse(new TextDecoder().decode(msg.data)) as TurnRecordedEvent),
    });
    bus.subscribeJson(BusSubjects.messageDeadLettered, MessageDeadLetteredEvent, (event) => {
      deadLettered.push(event);
    });
    await bus.connection.flush();
  });

  afterAll(async () => {
    const jsm = await bus?.connection.jetstreamManager();
    for (const domain of ['sessions', 'agents', DEAD_LETTER_DOMAIN]) await jsm?.streams.delete(streamName(namespace, domain)).catch(() => false);
    await bus?.drain();
    await service?.close();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  });

  it('writes a turn once however often it is delivered, titles the session and announces it once', async () => {
    const session = await createSession();
    const event = turn(session.id, { user_text: 'Tell me everything you know about the history of the Roman aqueducts please' });

    await commit(event, 'same-id');
    await commit(event, 'same-id'); // dropped by the stream's duplicate window
    const last = await commit(event); // a new message for the same turn: dropped by (turn_id, role)
    await consumed(TURNS_DURABLE, 'sessions', last.seq);

    const stored = await messages(session.id);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ role: 'user', turn_id: event.turn_id, content: event.user_text, speaker: 'ada' });
    expect(stored[1]).toMatchObject({
      role: 'assistant',
      turn_id: event.turn_id,
      content: 'Paris.',
      stt_latency_ms: 120,
      llm_ttft_ms: 340,
      tts_ttfb_ms: 90,
      total_latency_ms: 610,
      overhead_ms: 60,
      interrupted: false,
      provider: 'fake',
      model: 'fake-1',
    });
    expect(await get(session.id)).toMatchObject({ message_count: 2, title: 'Tell me everything you know about the history of…' });
    await expectEventually(() => expect(recorded.filter((r) => r.turn_id === event.turn_id)).toHaveLength(1));
    expect(recorded.find((r) => r.turn_id === event.turn_id)?.messages).toEqual(stored);
    expect(await metric('session_store_turns_total{outcome="duplicate"')).toBeGreaterThanOrEqual(1);
    expect(await metric('session_store_turn_write_ms_count')).toBeGreaterThanOrEqual(2);
  });

  it('loses and duplicates nothing across a restart of the service', async () => {
    const session = await createSession();
    const first = turn(session.id, { user_text: 'first' });
    await consumed(TURNS_DURABLE, 'sessions', (await commit(first)).seq);

    await service.close();
    await commit(first); // redelivered while down
    const second = turn(session.id, { user_text: 'second', assistant_text: 'I was cut', interrupted: true });
    const last = await commit(second);
    service = await boot();

    await consumed(TURNS_DURABLE, 'sessions', last.seq);
    const stored = await messages(session.id);
    expect(stored.map((m) => [m.turn_id, m.role, m.content])).toEqual([
      [first.turn_id, 'user', 'first'],
      [first.turn_id, 'assistant', 'Paris.'],
      [second.turn_id, 'user', 'second'],
      [second.turn_id, 'assistant', 'I was cut'],
    ]);
    expect(stored[3]?.interrupted).toBe(true);
    expect((await get(session.id)).message_count).toBe(4);
  });

  it('acks a turn for an unknown session and creates nothing', async () => {
    const sessionId = randomUUID();
    const before = await metric('session_store_turns_total{outcome="unknown_session"');

    await consumed(TURNS_DURABLE, 'sessions', (await commit(turn(sessionId))).seq);

    expect(await metric('session_store_turns_total{outcome="unknown_session"')).toBe(before + 1);
    await expect(get(sessionId)).rejects.toMatchObject({ code: 'not_found' });
  });

  describe('history', () => {
    it('keeps the last max_turns turns within max_chars, oldest first, answers as heard', async () => {
      const session = await createSession();
      // One turn after the other, as a conversation's turns come: turns are written concurrently
      // (TURN_WRITE_CONCURRENCY), so turns committed in the same millisecond have no set order.
      for (const [i, heard] of ['one', 'two', 'thr'].entries()) {
        const committed = await commit(turn(session.id, { user_text: `q${i}`, assistant_text: heard, interrupted: i === 2 }));
        await consumed(TURNS_DURABLE, 'sessions', committed.seq);
      }

      expect((await history(session.id)).messages).toEqual([
        { role: 'user', content: 'q0' },
        { role: 'assistant', content: 'one' },
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'two' },
        { role: 'user', content: 'q2' },
        { role: 'assistant', content: 'thr' },
      ]);
      expect((await history(session.id, { max_turns: 2 })).messages.map((m) => m.content)).toEqual(['q1', 'two', 'q2', 'thr']);

      const long = 'x'.repeat(120);
      await bus.requestJson(SessionSubjects.appendMessage, { session_id: session.id, role: 'user', content: long });
      expect((await history(session.id, { max_chars: 125 })).messages.map((m) => m.content)).toEqual(['q2', 'thr', long]);
    });

    it('reflects a new turn as soon as it is recorded, though the previous answer was cached', async () => {
      const session = await createSession();
      await consumed(TURNS_DURABLE, 'sessions', (await commit(turn(session.id, { user_text: 'before' }))).seq);
      expect((await history(session.id)).messages).toHaveLength(2);
      expect((await history(session.id)).messages).toHaveLength(2); // served from the cache

      const next = turn(session.id, { user_text: 'after' });
      await commit(next);
      await expectEventually(() => expect(recorded.some((r) => r.turn_id === next.turn_id)).toBe(true));

      expect((await history(session.id)).messages.map((m) => m.content)).toEqual(['before', 'Paris.', 'after', 'Paris.']);
      await bus.requestJson(SessionSubjects.appendMessage, { session_id: session.id, role: 'user', content: 'typed' });
      expect((await history(session.id)).messages.at(-1)).toEqual({ role: 'user', content: 'typed' });
    });
  });

  it('dead-letters a turn Postgres refuses (a NUL in its text) at once: stored, announced, counted, never redelivered; the next turn is written', async () => {
    const session = await createSession();
    const poison = turn(session.id, { user_text: 'hello\u0000world' });
    const good = turn(session.id, { user_text: 'after the poison' });
    const counter = `session_store_dead_letters_total{consumer="${TURNS_DURABLE}",reason="permanent"`;
    const countedBefore = await metric(counter);

    const poisoned = await commit(poison);
    const last = await commit(good);

    // Both acked or terminated, nothing left to redeliver.
    await consumed(TURNS_DURABLE, 'sessions', last.seq);
    const jsm = await bus.connection.jetstreamManager();
    expect(await jsm.consumers.info(streamName(namespace, 'sessions'), TURNS_DURABLE)).toMatchObject({ num_pending: 0, num_ack_pending: 0 });
    expect((await messages(session.id)).map((m) => [m.turn_id, m.role, m.content])).toEqual([
      [good.turn_id, 'user', 'after the poison'],
      [good.turn_id, 'assistant', 'Paris.'],
    ]);

    await expectEventually(() => expect(deadLettered.filter((e) => e.stream_seq === poisoned.seq)).toHaveLength(1));
    const event = deadLettered.find((e) => e.stream_seq === poisoned.seq);
    expect(event).toMatchObject({
      stream: streamName(namespace, 'sessions'),
      consumer: TURNS_DURABLE,
      subject: namespaced(namespace, SessionSubjects.turnCommitted),
      deliveries: 1,
      reason: 'permanent',
      error: expect.stringMatching(/0x00/),
      dead_letter_stream: streamName(namespace, DEAD_LETTER_DOMAIN),
    });
    const letter = await jsm.streams.getMessage(streamName(namespace, DEAD_LETTER_DOMAIN), {
      last_by_subj: namespaced(namespace, deadLetterSubject('sessions', TURNS_DURABLE)),
    });
    expect(letter.seq).toBe(event?.dead_letter_seq);
    expect(letter.json()).toEqual(poison);
    expect(await metric(counter)).toBe(countedBefore + 1);
  });

  it('deletes the sessions of a deleted agent with their messages, idempotently', async () => {
    const doomed = randomUUID();
    const kept = randomUUID();
    const [a, b, c] = [await createSession(doomed), await createSession(doomed), await createSession(kept)];
    await consumed(TURNS_DURABLE, 'sessions', (await commit(turn(a.id))).seq);

    await bus.publishDurable(AgentSubjects.deleted, { id: doomed });
    const again = await bus.publishDurable(AgentSubjects.deleted, { id: doomed });
    await consumed(AGENTS_DURABLE, 'agents', again.seq);

    const remaining = await bus.requestJson<SessionPage>(SessionSubjects.list, { agent_id: doomed });
    expect(remaining.items).toEqual([]);
    for (const id of [a.id, b.id]) await expect(get(id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await get(c.id)).toMatchObject({ id: c.id, agent_id: kept });
  });
});
