import { randomUUID } from 'node:crypto';
import { Bus, type DurableConsumer } from '@voxbridge/bus';
import {
  HistoryRequest,
  mediaSubject,
  queueGroup,
  sessionProtocol,
  SESSIONS_STREAM_SUBJECTS,
  SessionSubjects,
  TurnAnsweredFact,
  TurnFactSubjects,
  type HistoryDto,
  type ReplyEvent,
  type SessionClaimReply,
  type TranscriptEvent,
  type TurnEvent,
  type VadEvent,
  type VadKind,
} from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, FakeOpenAiCompatibleServer, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { LlmRouterEnv } from '../src/config/llm-router.env';
import { serviceSchema } from '../src/persistence/schema';

/**
 * Several people in one voice session (a Discord channel): the floor. Real: llm-router booted
 * in-process on NATS (leases, the durable `sessions` stream). Fake: agent-api and session-store
 * responders, the LLM server; stt-gateway's `vad`/`transcript` and tts-gateway's `turn` events
 * are published by the test.
 */

const definition = { service: 'llm-router' as const, env: LlmRouterEnv, module: AppModule.register.bind(AppModule) };
const FLOOR_MAX_WAIT_MS = 3_000;
const people = {
  alice: { speaker_id: '80351110224678912', speaker_name: 'Alice' },
  bob: { speaker_id: '80351110224678913', speaker_name: 'Bob' },
  carol: { speaker_id: '80351110224678914', speaker_name: 'Carol' },
} as const;
type Person = (typeof people)[keyof typeof people];

describe('llm-router floor with several speakers', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  const answers: TurnAnsweredFact[] = [];
  const fakes: FakeOpenAiCompatibleServer[] = [];
  const taps: SubjectTap[] = [];
  const histories = new Map<string, HistoryDto>();
  let directory: FakeAgentDirectory;
  let service: RunningService;
  let bus: Bus;
  let answersConsumer: DurableConsumer;

  async function session(llm: FakeOpenAiCompatibleServer): Promise<{ sessionId: string; tap: SubjectTap }> {
    const agent = directory.add({ llm_base_url: llm.url });
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    const reply = await bus.requestJson<SessionClaimReply>(sessionProtocol('llm').claim.subject, { session_id: sessionId, agent_id: agent.id });
    expect(reply).toMatchObject({ taken: true });
    return { sessionId, tap };
  }

  async function fake(): Promise<FakeOpenAiCompatibleServer> {
    const server = await FakeOpenAiCompatibleServer.start();
    fakes.push(server);
    return server;
  }

  /** stt-gateway's voice activity of one person; flushed so that what follows reaches llm-router after it. */
  async function vad(sessionId: string, who: Person, kind: VadKind, utteranceId: string): Promise<void> {
    const event: VadEvent = { session_id: sessionId, kind, utterance_id: utteranceId, at_ms: Date.now(), ...who };
    bus.publishJson(mediaSubject(sessionId, 'vad'), event);
    await bus.connection.flush();
  }

  async function final(sessionId: string, who: Person, text: string): Promise<TranscriptEvent> {
    const event: TranscriptEvent = { session_id: sessionId, utterance_id: randomUUID(), kind: 'final', text, speaker: who.speaker_name, ...who };
    bus.publishJson(mediaSubject(sessionId, 'transcript'), event);
    await bus.connection.flush();
    return event;
  }

  /** tts-gateway: the answer's speech is over. */
  async function spoken(sessionId: string, turnId: string): Promise<void> {
    const event: TurnEvent = { session_id: sessionId, turn_id: turnId, state: 'done', heard_text: '', frames_played: 0 };
    bus.publishJson(mediaSubject(sessionId, 'turn'), event);
    await bus.connection.flush();
  }

  /** The session's vad, transcript, reply-done and turn events as the tap saw them, in order. */
  const timeline = (tap: SubjectTap) =>
    tap.records.flatMap((r) => {
      if (r.stream === 'vad') return [`vad ${(r.json as VadEvent).kind} ${(r.json as VadEvent).speaker_name}`];
      if (r.stream === 'turn') return [`turn ${(r.json as TurnEvent).state} ${(r.json as TurnEvent).turn_id}`];
      if (r.stream === 'reply' && (r.json as ReplyEvent).kind === 'done') return [`done ${(r.json as ReplyEvent).turn_id}`];
      return [];
    });

  const answerOf = (turnId: string) =>
    expectEventually(() => {
      const answer = answers.find((a) => a.turn_id === turnId);
      expect(answer?.turn_id).toBe(turnId);
      return answer as TurnAnsweredFact;
    });

  async function floorWaits(outcome: 'released' | 'timed_out'): Promise<number> {
    const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('llm_floor_wait_ms_count{') && l.includes(`outcome="${outcome}"`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  const lastUserMessage = (llm: FakeOpenAiCompatibleServer, index: number) =>
    (llm.requests[index]?.body as { messages: Array<{ role: string; content: string }> } | undefined)?.messages.at(-1);

  beforeAll(async () => {
    await runMigrations(infra.databaseUrl, [serviceSchema]);
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'llm-router-floor-test' });
    directory = new FakeAgentDirectory(bus);
    bus.serveJson(SessionSubjects.history, HistoryRequest, (req) => histories.get(req.session_id) ?? { session_id: req.session_id, messages: [] }, {
      queue: queueGroup(namespace, 'session-store'),
    });
    await bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
    answersConsumer = await bus.consumeDurable('sessions', 'floor-answers-test', TurnFactSubjects.answered, TurnAnsweredFact, async (answer) => {
      answers.push(answer);
    });
    service = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      DATABASE_URL: infra.databaseUrl,
      LLM_FIRST_TOKEN_MS: '5000',
      LLM_FLOOR_MAX_WAIT_MS: String(FLOOR_MAX_WAIT_MS),
    });
  });

  afterAll(async () => {
    await Promise.all(taps.map((t) => t.stop()));
    await service?.close();
    await answersConsumer?.stop();
    await bus?.drain();
    await Promise.all(fakes.map((f) => f.close()));
  });

  it('holds a turn while another speaker is mid-utterance and answers it when they stop, showing the model who said what', async () => {
    const llm = await fake();
    llm.script({ tokens: ['Sure', ', Alice.'] });
    const { sessionId, tap } = await session(llm);
    histories.set(sessionId, {
      session_id: sessionId,
      messages: [
        { role: 'user', content: 'Hi all.', speaker_name: 'Carol' },
        { role: 'assistant', content: 'Hello Carol.' },
      ],
    });
    const released = await floorWaits('released');
    const bobSpeaking = randomUUID();
    await vad(sessionId, people.bob, 'speech_started', bobSpeaking);
    const alice = await final(sessionId, people.alice, 'Can you order pizza?');
    await vad(sessionId, people.bob, 'speech_stopped', bobSpeaking);

    await tap.expectEventually(() => expect(timeline(tap)).toContain(`done ${alice.utterance_id}`));
    // Nothing of Alice's turn happened before Bob stopped speaking.
    expect(timeline(tap)).toEqual([
      'vad speech_started Bob',
      'vad speech_stopped Bob',
      `turn thinking ${alice.utterance_id}`,
      `done ${alice.utterance_id}`,
    ]);
    await expectEventually(async () => expect(await floorWaits('released')).toBe(released + 1));
    const body = llm.requests[0]?.body as { messages: Array<{ role: string; content: string }> };
    expect(body.messages.slice(1)).toEqual([
      { role: 'user', content: 'Carol: Hi all.' },
      { role: 'assistant', content: 'Hello Carol.' },
      { role: 'user', content: 'Alice: Can you order pizza?' },
    ]);
    expect(await answerOf(alice.utterance_id)).toMatchObject({ ...people.alice, speaker: 'Alice', user_text: 'Can you order pizza?', assistant_text: 'Sure, Alice.', outcome: 'done' });
  });

  it('answers anyway once the floor wait runs out while the other speaker goes on', async () => {
    const llm = await fake();
    llm.script({ tokens: ['Yes.'] });
    const { sessionId, tap } = await session(llm);
    const timedOut = await floorWaits('timed_out');
    await vad(sessionId, people.bob, 'speech_started', randomUUID());
    const alice = await final(sessionId, people.alice, 'Anyone there?');

    await tap.expectEventually(() => expect(timeline(tap)).toContain(`done ${alice.utterance_id}`), { timeoutMs: FLOOR_MAX_WAIT_MS + 5_000 });
    await expectEventually(async () => expect(await floorWaits('timed_out')).toBe(timedOut + 1));
  });

  it('answers utterances that end while the agent answers someone else in order, one after another, each after the previous answer was spoken', async () => {
    const llm = await fake();
    llm.script({ tokens: ['One', ' moment', ' Alice.'], fault: { kind: 'hang', afterTokens: 1 } }, { tokens: ['Hi Bob.'] }, { tokens: ['Hi Carol.'] });
    const { sessionId, tap } = await session(llm);
    const alice = await final(sessionId, people.alice, 'What time is it?');
    await tap.expectEventually(() => expect(tap.on('reply').some((r) => (r.json as ReplyEvent).kind === 'delta')).toBe(true));

    // Bob and Carol finish while Alice is being answered: both wait, neither cancels Alice's answer.
    const bob = await final(sessionId, people.bob, 'And the weather?');
    const carol = await final(sessionId, people.carol, 'Hello agent!');
    llm.release();
    await answerOf(alice.utterance_id);
    await spoken(sessionId, alice.utterance_id);
    await answerOf(bob.utterance_id);
    await spoken(sessionId, bob.utterance_id);
    await tap.expectEventually(() => expect(timeline(tap)).toContain(`done ${carol.utterance_id}`));

    expect(timeline(tap)).toEqual([
      `turn thinking ${alice.utterance_id}`,
      `done ${alice.utterance_id}`,
      `turn done ${alice.utterance_id}`,
      `turn thinking ${bob.utterance_id}`,
      `done ${bob.utterance_id}`,
      `turn done ${bob.utterance_id}`,
      `turn thinking ${carol.utterance_id}`,
      `done ${carol.utterance_id}`,
    ]);
    expect(tap.on('control')).toEqual([]);
    expect([0, 1, 2].map((i) => lastUserMessage(llm, i))).toEqual([
      { role: 'user', content: 'Alice: What time is it?' },
      { role: 'user', content: 'Bob: And the weather?' },
      { role: 'user', content: 'Carol: Hello agent!' },
    ]);
    expect(await answerOf(alice.utterance_id)).toMatchObject({ ...people.alice, outcome: 'done', assistant_text: 'One moment Alice.' });
    expect(await answerOf(bob.utterance_id)).toMatchObject({ ...people.bob, outcome: 'done' });
    expect(await answerOf(carol.utterance_id)).toMatchObject({ ...people.carol, outcome: 'done' });
  });

  it('lets any speaker barge in: another person’s confirmed speech cancels the answer being generated', async () => {
    const llm = await fake();
    llm.script({ tokens: ['Once', ' upon', ' a', ' time'], fault: { kind: 'hang', afterTokens: 2 } });
    const { sessionId, tap } = await session(llm);
    const alice = await final(sessionId, people.alice, 'Tell me a story.');
    await tap.expectEventually(() => expect(tap.on('reply').filter((r) => (r.json as ReplyEvent).kind === 'delta')).toHaveLength(2));

    await vad(sessionId, people.carol, 'speech_started', randomUUID());

    await tap.expectEventually(() => expect(tap.on('control').map((r) => r.json)).toContainEqual(expect.objectContaining({ action: 'cancel', turn_id: alice.utterance_id, reason: 'barge_in' })));
    expect(await answerOf(alice.utterance_id)).toMatchObject({ ...people.alice, outcome: 'cancelled', assistant_text: 'Once upon' });
  });

  it('keeps one speaker without speaker ids as before: no names in the prompt, a newer utterance supersedes the answer', async () => {
    const llm = await fake();
    llm.script({ tokens: ['Once', ' upon'], fault: { kind: 'hang', afterTokens: 1 } }, { tokens: ['Sure.'] });
    const { sessionId, tap } = await session(llm);
    const first: TranscriptEvent = { session_id: sessionId, utterance_id: randomUUID(), kind: 'final', text: 'Tell me a story.', speaker: 'ada' };
    bus.publishJson(mediaSubject(sessionId, 'transcript'), first);
    await tap.expectEventually(() => expect(tap.on('reply').some((r) => (r.json as ReplyEvent).kind === 'delta')).toBe(true));
    const second: TranscriptEvent = { ...first, utterance_id: randomUUID(), text: 'Actually, a joke.' };
    bus.publishJson(mediaSubject(sessionId, 'transcript'), second);

    await tap.expectEventually(() => expect(timeline(tap)).toContain(`done ${second.utterance_id}`));
    expect(tap.on('control').map((r) => r.json)).toContainEqual(expect.objectContaining({ action: 'cancel', turn_id: first.utterance_id, reason: 'superseded' }));
    expect(lastUserMessage(llm, 1)).toEqual({ role: 'user', content: 'Actually, a joke.' });
    const answer = await answerOf(second.utterance_id);
    expect([answer.speaker, answer.speaker_id, answer.speaker_name]).toEqual(['ada', undefined, undefined]);
  });
});
