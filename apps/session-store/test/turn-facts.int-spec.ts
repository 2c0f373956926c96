import { Bus } from '@voxbridge/bus';
import {
  DEAD_LETTER_DOMAIN,
  namespaced,
  SessionSubjects,
  streamName,
  TIMELINE_MARKS,
  TurnFactSubjects,
  type HistoryDto,
  type MessageDto,
  type SessionDto,
  type TurnAnsweredFact,
  type TurnDeliveredFact,
  type TurnHeardFact,
  type TurnRecordedEvent,
  type TurnTranscribedFact,
} from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { SessionStoreEnv } from '../src/config/session-store.env';
import { serviceSchema } from '../src/persistence/schema';

// Real NATS (JetStream) + Postgres: voice turns assembled from the stages' durable facts.

const definition = { service: 'session-store' as const, env: SessionStoreEnv, module: AppModule.register.bind(AppModule) };
const ASSEMBLY_TIMEOUT_MS = 1_500;

describe('session-store assembles voice turns from their facts', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let databaseUrl: string;
  let service: RunningService;
  let bus: Bus;
  const recorded: TurnRecordedEvent[] = [];

  const createSession = () => bus.requestJson<SessionDto>(SessionSubjects.create, { user_id: 'u-facts', agent_id: randomUUID(), session_type: 'webrtc' });
  const messages = async (sessionId: string) => (await bus.requestJson<{ items: MessageDto[] }>(SessionSubjects.listMessages, { session_id: sessionId })).items;
  const factsLeft = async (turnId: string) => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(`select "kind" from "session_store"."turn_facts" where "turn_id" = $1`, [turnId])).rowCount;
    } finally {
      await client.end();
    }
  };

  /** The four facts of one turn, as stt-gateway, llm-router, tts-gateway and the gateway publish them. */
  function factsOf(sessionId: string, agentId = randomUUID()) {
    const ids = { session_id: sessionId, turn_id: randomUUID() };
    const transcribed: TurnTranscribedFact = {
      ...ids,
      agent_id: agentId,
      user_text: 'Where is the Colosseum?',
      speaker: 'ada',
      marks: { speech_end: 10_000, end_of_turn_due: 10_600, end_of_turn: 10_603, stt_final: 10_753 },
    };
    const answered: TurnAnsweredFact = {
      ...ids,
      agent_id: agentId,
      user_text: 'Where is the Colosseum?',
      speaker: 'ada',
      assistant_text: 'In Rome. It seated fifty thousand people.',
      outcome: 'done',
      provider: 'fake',
      model: 'fake-1',
      marks: { llm_request: 10_760, llm_first_token: 11_010 },
    };
    const heard = (fields: Partial<TurnHeardFact>): TurnHeardFact => ({
      ...ids,
      heard_text: 'In Rome. It seated fifty thousand people.',
      frames_played: 150,
      final: true,
      interrupted: false,
      seq: 2,
      marks: { tts_first_token: 11_012, first_sentence: 11_200, tts_request: 11_201, tts_first_byte: 11_321, first_frame_published: 11_324 },
      ...fields,
    });
    const delivered: TurnDeliveredFact = { ...ids, marks: { first_frame_sent: 11_327 } };
    const publish = {
      transcribed: (fact = transcribed) => bus.publishDurable(TurnFactSubjects.transcribed, fact, { msgId: `${ids.turn_id}:transcribed` }),
      answered: (fact = answered) => bus.publishDurable(TurnFactSubjects.answered, fact, { msgId: `${ids.turn_id}:answered` }),
      heard: (fact: TurnHeardFact) => bus.publishDurable(TurnFactSubjects.heard, fact, { msgId: `${ids.turn_id}:heard:${fact.seq}` }),
      delivered: (fact = delivered) => bus.publishDurable(TurnFactSubjects.delivered, fact, { msgId: `${ids.turn_id}:delivered` }),
    };
    return { turnId: ids.turn_id, transcribed, answered, heard, delivered, publish };
  }

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_session_store_facts');
    await runMigrations(databaseUrl, [serviceSchema]);
    service = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      DATABASE_URL: databaseUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      TURN_ASSEMBLY_TIMEOUT_MS: String(ASSEMBLY_TIMEOUT_MS),
    });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'session-store-facts-test' });
    bus.connection.subscribe(namespaced(namespace, SessionSubjects.turnRecorded), {
      callback: (_, msg) => recorded.push(JSON.parse(new TextDecoder().decode(msg.data)) as TurnRecordedEvent),
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

  it('writes a turn exactly once when its last fact arrives, in any order and however often, with its whole timeline', async () => {
    const session = await createSession();
    const turn = factsOf(session.id);
    await turn.publish.heard(turn.heard({ final: false, seq: 0, heard_text: 'In Rome.' }));
    await turn.publish.delivered();
    await turn.publish.heard(turn.heard({}));
    await turn.publish.answered();
    expect(await messages(session.id)).toEqual([]); // the user's words are not known yet
    await turn.publish.transcribed();
    await turn.publish.transcribed(); // a redelivered publish: dropped by its message id
    await turn.publish.heard(turn.heard({ final: false, seq: 1, heard_text: 'In' })); // late progress changes nothing

    const stored = await expectEventually(async () => {
      const found = await messages(session.id);
      expect(found.map((m) => m.role)).toEqual(['user', 'assistant']);
      return found;
    });
    expect(stored[0]).toMatchObject({ content: 'Where is the Colosseum?', speaker: 'ada', turn_id: turn.turnId });
    expect(stored[1]).toMatchObject({
      content: 'In Rome. It seated fifty thousand people.',
      interrupted: false,
      stt_latency_ms: 150,
      llm_ttft_ms: 250,
      tts_ttfb_ms: 120,
      total_latency_ms: 1_327,
      overhead_ms: 3 + 7 + 2 + 1 + 3 + 3,
      provider: 'fake',
    });
    const timeline = stored[1]?.timeline;
    expect(Object.keys(timeline?.marks_at_ms ?? {}).sort()).toEqual([...TIMELINE_MARKS].sort());
    expect(timeline?.spans.reduce((sum, span) => sum + span.duration_ms, 0)).toBe(1_327);
    await expectEventually(() => expect(recorded.filter((r) => r.turn_id === turn.turnId)).toHaveLength(1));
    await expectEventually(async () => expect(await factsLeft(turn.turnId)).toBe(0));
  });

  it('keeps whose words each user message holds when several people talk, returns them with the messages and names them in the history', async () => {
    const session = await createSession();
    const alice = { speaker_id: '80351110224678912', speaker_name: 'Alice' };
    const bob = { speaker_id: '80351110224678913', speaker_name: 'Bob “the builder”' };
    for (const [who, text] of [
      [alice, 'Who wants pizza?'],
      [bob, 'Me!'],
    ] as const) {
      const turn = factsOf(session.id);
      await turn.publish.transcribed({ ...turn.transcribed, user_text: text, speaker: who.speaker_name, ...who });
      await turn.publish.answered({ ...turn.answered, user_text: text, speaker: who.speaker_name, ...who });
      await turn.publish.heard(turn.heard({}));
      await expectEventually(async () => expect((await messages(session.id)).filter((m) => m.turn_id === turn.turnId)).toHaveLength(2));
    }
    const single = factsOf(session.id); // no speaker id: the one default speaker
    await single.publish.transcribed();
    await single.publish.answered();
    await single.publish.heard(single.heard({}));

    const stored = await expectEventually(async () => {
      const found = await messages(session.id);
      expect(found).toHaveLength(6);
      return found;
    });
    expect(stored.map((m) => [m.role, m.speaker_id, m.speaker_name])).toEqual([
      ['user', alice.speaker_id, 'Alice'],
      ['assistant', null, null],
      ['user', bob.speaker_id, 'Bob “the builder”'],
      ['assistant', null, null],
      ['user', null, null],
      ['assistant', null, null],
    ]);
    const history = await bus.requestJson<HistoryDto>(SessionSubjects.history, { session_id: session.id });
    expect(history.messages.filter((m) => m.role === 'user')).toEqual([
      { role: 'user', content: 'Who wants pizza?', speaker_name: 'Alice' },
      { role: 'user', content: 'Me!', speaker_name: 'Bob “the builder”' },
      { role: 'user', content: 'Where is the Colosseum?' },
    ]);
  });

  it('when tts-gateway dies mid-answer, writes the turn after the quiet time as interrupted with exactly what was played', async () => {
    const session = await createSession();
    const turn = factsOf(session.id);
    await turn.publish.transcribed();
    await turn.publish.answered();
    await turn.publish.delivered();
    await turn.publish.heard(turn.heard({ final: false, seq: 0, heard_text: 'In Rome.', frames_played: 60 }));
    // …and nothing more: its process is gone.

    const stored = await expectEventually(async () => {
      const found = await messages(session.id);
      expect(found).toHaveLength(2);
      return found;
    }, { timeoutMs: ASSEMBLY_TIMEOUT_MS + 10_000, intervalMs: 100 });
    expect(stored[1]).toMatchObject({ content: 'In Rome.', interrupted: true });
    expect(recorded.filter((r) => r.turn_id === turn.turnId)).toHaveLength(1);
  });

  it('when llm-router dies before answering, keeps the user\'s words and an empty, interrupted answer', async () => {
    const session = await createSession();
    const turn = factsOf(session.id);
    await turn.publish.transcribed();

    const stored = await expectEventually(async () => {
      const found = await messages(session.id);
      expect(found).toHaveLength(2);
      return found;
    }, { timeoutMs: ASSEMBLY_TIMEOUT_MS + 10_000, intervalMs: 100 });
    expect(stored.map((m) => [m.role, m.content, m.interrupted])).toEqual([
      ['user', 'Where is the Colosseum?', false],
      ['assistant', '', true],
    ]);
  });

  it('completes the stored timeline with a fact that comes after the turn was written', async () => {
    const session = await createSession();
    const turn = factsOf(session.id);
    await turn.publish.transcribed();
    await turn.publish.answered();
    await turn.publish.heard(turn.heard({}));
    const first = await expectEventually(async () => {
      const found = await messages(session.id);
      expect(found).toHaveLength(2);
      return found[1];
    });
    expect(first?.overhead_ms).toBeNull();

    await turn.publish.delivered();
    await expectEventually(async () => {
      const found = await messages(session.id);
      expect(found[1]?.timeline?.marks_at_ms.first_frame_sent).toBe(11_327);
      expect(found[1]?.overhead_ms).toBe(3 + 7 + 2 + 1 + 3 + 3);
    });
    expect(await messages(session.id)).toHaveLength(2);
  });

  it('keeps a turn whose LLM failed: the user\'s words, and an answer carrying the error and the apology said instead', async () => {
    const session = await createSession();
    const turn = factsOf(session.id);
    const apology = "Sorry — I can't answer right now.";
    await turn.publish.transcribed();
    const { provider: _answeredBy, model: _model, ...noAnswer } = turn.answered;
    await turn.publish.answered({
      ...noAnswer,
      outcome: 'error',
      assistant_text: '',
      error_code: 'unavailable',
      error_message: 'no LLM answered: ollama/llama3.2: unavailable.',
      error_provider: 'ollama',
    });
    await turn.publish.heard(turn.heard({ heard_text: apology }));

    await expectEventually(async () => expect(await messages(session.id)).toHaveLength(2));
    const [user, assistant] = await messages(session.id);
    expect(user).toMatchObject({ role: 'user', content: 'Where is the Colosseum?', turn_id: turn.turnId, error: null });
    expect(assistant).toMatchObject({
      role: 'assistant',
      content: apology,
      turn_id: turn.turnId,
      interrupted: false,
      error: { stage: 'llm', provider: 'ollama', code: 'unavailable', message: 'no LLM answered: ollama/llama3.2: unavailable.' },
    });
    expect(await factsLeft(turn.turnId)).toBe(0);
    await expectEventually(() => expect(recorded.find((event) => event.turn_id === turn.turnId)?.messages[1]?.error?.code).toBe('unavailable'));
    const titled = await bus.requestJson<SessionDto>(SessionSubjects.get, { id: session.id });
    expect(titled).toMatchObject({ title: 'Where is the Colosseum?', message_count: 2 });
    // The model's context keeps the user's words, not the apology the fleet said for it.
    const history = await bus.requestJson<HistoryDto>(SessionSubjects.history, { session_id: session.id });
    expect(history.messages).toEqual([{ role: 'user', content: 'Where is the Colosseum?' }]);
  });

  it('keeps a turn whose speech failed with the TTS error, and what was heard instead of the answer', async () => {
    const session = await createSession();
    const turn = factsOf(session.id);
    await turn.publish.transcribed();
    await turn.publish.answered();
    await turn.publish.heard(
      turn.heard({ heard_text: "Sorry — I can't answer right now.", error_code: 'unavailable', error_message: 'text-to-speech (piper) failed: connection refused', error_provider: 'piper' }),
    );

    await expectEventually(async () => expect(await messages(session.id)).toHaveLength(2));
    const [, assistant] = await messages(session.id);
    expect(assistant).toMatchObject({
      content: "Sorry — I can't answer right now.",
      provider: 'fake',
      error: { stage: 'tts', provider: 'piper', code: 'unavailable', message: 'text-to-speech (piper) failed: connection refused' },
    });
  });
});
