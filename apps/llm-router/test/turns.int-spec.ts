import { Bus, BusRemoteError, type DurableConsumer } from '@voxbridge/bus';
import {
  ErrorCode,
  HistoryRequest,
  mediaSubject,
  queueGroup,
  sessionProtocol,
  SESSIONS_STREAM_SUBJECTS,
  SessionSubjects,
  TurnAnsweredFact,
  TurnCommittedEvent,
  TurnFactSubjects,
  VoiceSubjects,
  type AgentDto,
  type ControlEvent,
  type HistoryDto,
  type ReplyEvent,
  type SessionClaimReply,
  type TranscriptEvent,
  type TurnEvent,
} from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, FakeOpenAiCompatibleServer, freePort, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { LlmRouterEnv } from '../src/config/llm-router.env';
import { serviceSchema } from '../src/persistence/schema';

/**
 * Real: llm-router booted in-process, NATS (core, JetStream KV leases, the durable `sessions`
 * stream), providers over real sockets. Fake: agent-api and session-store responders on the bus,
 * the LLM servers (FakeOpenAiCompatibleServer, also standing in for OpenRouter), tts-gateway's
 * `turn` events published by the test.
 */

const definition = { service: 'llm-router' as const, env: LlmRouterEnv, module: AppModule.register.bind(AppModule) };

describe('llm-router turns on the bus', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let directory: FakeAgentDirectory;
  const histories = new Map<string, HistoryDto>();
  const committed: TurnCommittedEvent[] = [];
  const answers: TurnAnsweredFact[] = [];
  const fakes: FakeOpenAiCompatibleServer[] = [];
  const taps: SubjectTap[] = [];
  let openRouterFake: FakeOpenAiCompatibleServer;
  let service: RunningService;
  let bus: Bus;
  let consumer: DurableConsumer;
  let answersConsumer: DurableConsumer;

  async function fake(): Promise<FakeOpenAiCompatibleServer> {
    const server = await FakeOpenAiCompatibleServer.start();
    fakes.push(server);
    return server;
  }

  const agent = (overrides: Partial<AgentDto>) => directory.add(overrides);

  async function session(agentId: string): Promise<{ sessionId: string; tap: SubjectTap }> {
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    const reply = await bus.requestJson<SessionClaimReply>(sessionProtocol('llm').claim.subject, { session_id: sessionId, agent_id: agentId });
    expect(reply).toMatchObject({ session_id: sessionId, taken: true });
    return { sessionId, tap };
  }

  function finalTranscript(sessionId: string, text: string, speechEndAtMs = Date.now() - 800): TranscriptEvent {
    const event: TranscriptEvent = {
      session_id: sessionId,
      utterance_id: randomUUID(),
      kind: 'final',
      text,
      speaker: 'ada',
      speech_end_at_ms: speechEndAtMs,
      final_at_ms: speechEndAtMs + 750,
      stt_latency_ms: 150,
      end_of_turn_silence_ms: 600,
      provider: 'fake-stt',
    };
    bus.publishJson(mediaSubject(sessionId, 'transcript'), event);
    return event;
  }

  const replies = (tap: SubjectTap) => tap.on('reply').map((r) => r.json as ReplyEvent);
  const turnEvents = (tap: SubjectTap) => tap.on('turn').map((r) => r.json as TurnEvent);
  const controls = (tap: SubjectTap) => tap.on('control').map((r) => r.json as ControlEvent);
  const committedTurn = (turnId: string) =>
    expectEventually(() => {
      const turn = committed.find((t) => t.turn_id === turnId);
      expect(turn?.turn_id).toBe(turnId);
      return turn as TurnCommittedEvent;
    });
  /** A voice turn's durable answer, as session-store receives it. */
  const answerOf = (turnId: string) =>
    expectEventually(() => {
      const answer = answers.find((a) => a.turn_id === turnId);
      expect(answer?.turn_id).toBe(turnId);
      return answer as TurnAnsweredFact;
    });

  beforeAll(async () => {
    await runMigrations(infra.databaseUrl, [serviceSchema]);
    openRouterFake = await fake();
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'llm-router-turns-test' });
    directory = new FakeAgentDirectory(bus);
    bus.serveJson(SessionSubjects.history, HistoryRequest, (req) => histories.get(req.session_id) ?? { session_id: req.session_id, messages: [] }, {
      queue: queueGroup(namespace, 'session-store'),
    });
    await bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
    consumer = await bus.consumeDurable('sessions', 'turns-test', SessionSubjects.turnCommitted, TurnCommittedEvent, async (turn) => {
      committed.push(turn);
    });
    answersConsumer = await bus.consumeDurable('sessions', 'answers-test', TurnFactSubjects.answered, TurnAnsweredFact, async (answer) => {
      answers.push(answer);
    });
    service = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      DATABASE_URL: infra.databaseUrl,
      OPENROUTER_API_KEY: 'sk-or-test',
      OPENROUTER_BASE_URL: openRouterFake.url,
      LLM_FIRST_TOKEN_MS: '5000',
    });
  });

  afterAll(async () => {
    await Promise.all(taps.map((t) => t.stop()));
    await service?.close();
    await consumer?.stop();
    await answersConsumer?.stop();
    await bus?.drain();
    await Promise.all(fakes.map((f) => f.close()));
  });

  it('answers a final transcript: thinking, deltas in order, done; stores the answer as a durable fact at once, with its marks', async () => {
    const llm = await fake();
    llm.script({ tokens: ['Hi', ' there', '.'] });
    const auren = agent({ llm_base_url: llm.url });
    const { sessionId, tap } = await session(auren.id);
    histories.set(sessionId, {
      session_id: sessionId,
      messages: [
        { role: 'user', content: 'Tell me a long story.' },
        { role: 'assistant', content: 'Once upon a' },
      ],
    });
    bus.publishJson(mediaSubject(sessionId, 'transcript'), { session_id: 'not-a-uuid', kind: 'final' });
    const transcript = finalTranscript(sessionId, 'What is the weather?');

    const done = await tap.expectEventually(() => {
      const found = replies(tap).find((r) => r.kind === 'done');
      expect(found?.kind).toBe('done');
      return found as ReplyEvent;
    });
    const events = replies(tap);
    const turnId = done.turn_id;
    expect(turnEvents(tap)).toContainEqual({ session_id: sessionId, turn_id: turnId, state: 'thinking' });
    expect(events.map((e) => [e.kind, e.seq, e.text])).toEqual([
      ['delta', 0, 'Hi'],
      ['delta', 1, ' there'],
      ['delta', 2, '.'],
      ['done', 3, 'Hi there.'],
    ]);
    const first = events[0] as ReplyEvent;
    expect(first).toMatchObject({ provider: 'openai-compatible', model: 'llama3.2', filter_actions: true });
    expect(first.llm_ttft_ms).toBeGreaterThanOrEqual(0);
    expect(first.first_token_at_ms).toBeGreaterThan(0);

    const body = llm.requests[0]?.body as { messages: Array<{ role: string; content: string }>; model: string };
    expect(body.model).toBe('llama3.2');
    expect(body.messages[0]?.content).toContain('You are Auren, a terse assistant.');
    expect(body.messages[0]?.content).toContain('(Europe/Berlin)');
    expect(body.messages.slice(1)).toEqual([
      { role: 'user', content: 'Tell me a long story.' },
      { role: 'assistant', content: 'Once upon a' },
      { role: 'user', content: 'What is the weather?' },
    ]);

    // The turn is the utterance; its answer is stored without waiting for tts-gateway.
    expect(turnId).toBe(transcript.utterance_id);
    const answer = await answerOf(turnId);
    expect(answer).toMatchObject({
      session_id: sessionId,
      agent_id: auren.id,
      user_text: 'What is the weather?',
      speaker: 'ada',
      assistant_text: 'Hi there.',
      outcome: 'done',
      provider: 'openai-compatible',
      model: 'llama3.2',
    });
    expect(answer.marks.llm_first_token).toBe(first.first_token_at_ms);
    expect((answer.marks.llm_first_token ?? 0) - (answer.marks.llm_request ?? Infinity)).toBeGreaterThanOrEqual(0);
    expect(committed.find((t) => t.turn_id === turnId)).toBeUndefined();
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^llm_ttft_ms_count\\{[^}]*provider="openai-compatible",agent="${auren.id}"[^}]*\\} 1$`, 'm'));
  });

  it('answers each turn with the agent as it is now: a change agent-api announces applies to the next turn', async () => {
    const llm = await fake();
    llm.script({ tokens: ['One.'] }, { tokens: ['Two.'] });
    const auren = agent({ llm_base_url: llm.url });
    const { sessionId, tap } = await session(auren.id);
    const systemPrompt = (index: number) => (llm.requests[index]?.body as { messages: Array<{ content: string }> }).messages[0]?.content;

    finalTranscript(sessionId, 'First question.');
    await tap.expectEventually(() => expect(replies(tap).filter((r) => r.kind === 'done')).toHaveLength(1));
    await directory.update(auren.id, { system_prompt: 'You are Auren, now speaking like a pirate.' });
    finalTranscript(sessionId, 'Second question.');
    await tap.expectEventually(() => expect(replies(tap).filter((r) => r.kind === 'done')).toHaveLength(2));

    expect(systemPrompt(0)).toContain('You are Auren, a terse assistant.');
    expect(systemPrompt(1)).toContain('You are Auren, now speaking like a pirate.');
  });

  /** 'Tell me a story.' to an agent on a fresh fake LLM scripted with `script`, once two deltas of the answer are out. */
  const storyUnderway = async (script: Parameters<Awaited<ReturnType<typeof fake>>['script']>[0]) => {
    const llm = await fake();
    llm.script(script);
    const { sessionId, tap } = await session(agent({ llm_base_url: llm.url }).id);
    finalTranscript(sessionId, 'Tell me a story.');
    const turnId = await tap.expectEventually(() => {
      const deltas = replies(tap).filter((r) => r.kind === 'delta');
      expect(deltas.length).toBeGreaterThanOrEqual(2);
      return (deltas[0] as ReplyEvent).turn_id;
    });
    return { llm, sessionId, tap, turnId };
  };

  it('barge-in: speech mid-stream cancels the turn, closes the LLM request and stores the answer as cancelled, as far as it got', async () => {
    const { llm, sessionId, tap, turnId } = await storyUnderway({ tokens: ['Once', ' upon', ' a', ' time'], fault: { kind: 'hang', afterTokens: 2 } });
    expect(replies(tap).filter((r) => r.kind === 'delta')).toHaveLength(2);
    bus.publishJson(mediaSubject(sessionId, 'turn'), { session_id: sessionId, turn_id: turnId, state: 'speaking', first_audio_at_ms: Date.now(), tts_ttfb_ms: 90 });

    bus.publishJson(mediaSubject(sessionId, 'vad'), { session_id: sessionId, kind: 'speech_started', utterance_id: randomUUID(), at_ms: Date.now() });

    await tap.expectEventually(() => expect(controls(tap)).toContainEqual(expect.objectContaining({ action: 'cancel', turn_id: turnId, at_ms: expect.any(Number) })));
    await expectEventually(() => expect(llm.requests[0]?.clientDisconnected).toBe(true));
    const answer = await answerOf(turnId);
    expect(answer).toMatchObject({ outcome: 'cancelled', assistant_text: 'Once upon', user_text: 'Tell me a story.' });
    expect(replies(tap).some((r) => r.kind === 'done')).toBe(false);
  });

  it('keeps the turn on a tentative voice_onset and its voice_dismissed (a cough): the LLM request runs to done', async () => {
    const { llm, sessionId, tap, turnId } = await storyUnderway({ tokens: ['Once', ' upon', ' a', ' time', ' there', ' was', ' a', ' fox.'], tokensPerSecond: 20 });
    const cough = randomUUID();
    bus.publishJson(mediaSubject(sessionId, 'vad'), { session_id: sessionId, kind: 'voice_onset', utterance_id: cough, at_ms: Date.now() });
    bus.publishJson(mediaSubject(sessionId, 'vad'), { session_id: sessionId, kind: 'voice_dismissed', utterance_id: cough, at_ms: Date.now() });

    // Had the onset cancelled the turn, the request would be closed and no `done` would ever come.
    await tap.expectEventually(() => expect(replies(tap).find((r) => r.kind === 'done')).toMatchObject({ turn_id: turnId, text: 'Once upon a time there was a fox.' }));
    expect(controls(tap)).toEqual([]);
    expect(llm.requests[0]?.clientDisconnected).toBe(false);
  });

  it('closes the LLM request when tts-gateway reports the turn interrupted before any speech_started reaches llm-router', async () => {
    const { llm, sessionId, tap, turnId } = await storyUnderway({ tokens: ['Once', ' upon', ' a', ' time'], fault: { kind: 'hang', afterTokens: 2 } });
    expect(replies(tap).filter((r) => r.kind === 'delta')).toHaveLength(2);
    bus.publishJson(mediaSubject(sessionId, 'turn'), { session_id: sessionId, turn_id: turnId, state: 'interrupted', heard_text: 'Once', frames_played: 12 });

    await expectEventually(() => expect(llm.requests[0]?.clientDisconnected).toBe(true));
    expect(await answerOf(turnId)).toMatchObject({ outcome: 'cancelled', assistant_text: 'Once upon' });
  });

  it('falls back when the primary fails before the first token; the reply and the stored answer name who answered', async () => {
    const secondary = await fake();
    secondary.script({ tokens: ['Backup', ' here.'] });
    openRouterFake.script({ fault: { kind: 'status', status: 500, message: 'upstream exploded' } });
    const auren = agent({
      llm_provider: 'openrouter',
      llm_model: 'anthropic/claude-3.5-sonnet',
      fallback: [{ provider: 'openai_compatible', model: 'qwen2.5', base_url: secondary.url }],
    });
    const { sessionId, tap } = await session(auren.id);
    finalTranscript(sessionId, 'Anyone there?');

    const done = await tap.expectEventually(() => {
      const found = replies(tap).find((r) => r.kind === 'done');
      expect(found).toMatchObject({ text: 'Backup here.' });
      return found as ReplyEvent;
    });
    expect(replies(tap)[0]).toMatchObject({ kind: 'delta', provider: 'openai-compatible', model: 'qwen2.5' });
    expect(openRouterFake.requests.at(-1)?.headers['authorization']).toBe('Bearer sk-or-test');
    expect(await answerOf(done.turn_id)).toMatchObject({ provider: 'openai-compatible', model: 'qwen2.5', assistant_text: 'Backup here.', outcome: 'done' });
  });

  it("resolves llm_provider auto to OpenRouter with the agent's model when OPENROUTER_API_KEY is set", async () => {
    openRouterFake.script({ tokens: ['Routed', ' by', ' auto.'] });
    const seeded = agent({ llm_provider: 'auto', llm_model: 'anthropic/claude-3.5-sonnet', llm_base_url: null });
    const { sessionId, tap } = await session(seeded.id);
    finalTranscript(sessionId, 'Who routes you?');

    const done = await tap.expectEventually(() => {
      const found = replies(tap).find((r) => r.kind === 'done');
      expect(found).toMatchObject({ text: 'Routed by auto.' });
      return found as ReplyEvent;
    });
    expect(replies(tap)[0]).toMatchObject({ kind: 'delta', provider: 'openrouter', model: 'anthropic/claude-3.5-sonnet' });
    const request = openRouterFake.requests.at(-1);
    expect(request?.headers['authorization']).toBe('Bearer sk-or-test');
    expect((request?.body as { model: string }).model).toBe('anthropic/claude-3.5-sonnet');
    expect(await answerOf(done.turn_id)).toMatchObject({ provider: 'openrouter', model: 'anthropic/claude-3.5-sonnet' });
  });

  it('ends the turn with a reply error when the provider fails after the first token', async () => {
    const llm = await fake();
    llm.script({ tokens: ['I', ' think', ' that'], fault: { kind: 'reset', afterTokens: 2 } });
    const auren = agent({ llm_base_url: llm.url });
    const { sessionId, tap } = await session(auren.id);
    finalTranscript(sessionId, 'What do you think?');

    const error = await tap.expectEventually(() => {
      const found = replies(tap).find((r) => r.kind === 'error');
      expect(found?.kind).toBe('error');
      return found as ReplyEvent;
    });
    expect(replies(tap).map((r) => [r.kind, r.seq])).toEqual([
      ['delta', 0],
      ['delta', 1],
      ['error', 2],
    ]);
    expect(error).toMatchObject({ error_code: 'unavailable', provider: 'openai-compatible' });
    expect(error.error_message).toContain('openai-compatible failed mid-answer');
    expect(await answerOf(error.turn_id)).toMatchObject({ outcome: 'error', assistant_text: 'I think', error_code: 'unavailable' });
  });

  it('tells the user which provider failed and how to configure it when none answers', async () => {
    const deadPort = await freePort();
    const auren = agent({ llm_base_url: `http://127.0.0.1:${deadPort}/v1`, fallback: [{ provider: 'openai_compatible', model: 'm2', base_url: `http://127.0.0.1:${deadPort}/v2` }] });
    const { sessionId, tap } = await session(auren.id);
    finalTranscript(sessionId, 'Hello?');

    const error = await tap.expectEventually(() => {
      const found = replies(tap).find((r) => r.kind === 'error');
      expect(found?.kind).toBe('error');
      return found as ReplyEvent;
    });
    expect(error.error_code).toBe('unavailable');
    expect(error.error_message).toContain(`no LLM answered: openai_compatible http://127.0.0.1:${deadPort}/v1 (connection to 127.0.0.1:${deadPort} refused`);
    expect(error.error_message).toContain('ECONNREFUSED');
    expect(error.error_message).toContain(`openai_compatible http://127.0.0.1:${deadPort}/v2`);
    // OPENROUTER_API_KEY is set here: the message must not blame it.
    expect(error.error_message).not.toContain('OPENROUTER_API_KEY');
    // The stored answer says what went wrong too (session-store keeps the failed turn with it).
    expect(await answerOf(error.turn_id)).toMatchObject({
      outcome: 'error',
      assistant_text: '',
      error_code: 'unavailable',
      error_message: expect.stringContaining('no LLM answered: openai_compatible'),
      error_provider: expect.any(String),
    });
  });

  it('runs a text turn: accepted at once, reply streamed on the session, committed with the full text', async () => {
    const llm = await fake();
    llm.script({ tokens: ['Text', ' answer', '.'] });
    const auren = agent({ llm_base_url: llm.url });
    const sessionId = randomUUID();
    const turnId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);

    const accepted = await bus.requestJson(VoiceSubjects.textTurn, { session_id: sessionId, agent_id: auren.id, turn_id: turnId, content: 'Write to me.' });

    expect(accepted).toEqual({ turn_id: turnId, accepted: true, instance_id: expect.any(String) });
    await tap.expectEventually(() =>
      expect(replies(tap).map((r) => [r.kind, r.text])).toEqual([
        ['delta', 'Text'],
        ['delta', ' answer'],
        ['delta', '.'],
        ['done', 'Text answer.'],
      ]),
    );
    const turn = await committedTurn(turnId);
    expect(turn).toMatchObject({ session_id: sessionId, user_text: 'Write to me.', assistant_text: 'Text answer.', interrupted: false, provider: 'openai-compatible' });
    expect(turn.total_latency_ms).toBeUndefined();
    expect((llm.requests[0]?.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content).toBe('Write to me.');
  });

  it('refuses a text turn for an unknown agent with not_found', async () => {
    const request = { session_id: randomUUID(), agent_id: randomUUID(), turn_id: randomUUID(), content: 'Hi' };

    const failure = await bus.requestJson(VoiceSubjects.textTurn, request).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BusRemoteError);
    expect((failure as BusRemoteError).code).toBe(ErrorCode.NotFound);
  });

  it('lets a released session go: its lease is free for the next claim', async () => {
    const auren = agent({});
    const { sessionId } = await session(auren.id);

    const released = await bus.requestJson(sessionProtocol('llm').release.subject, { session_id: sessionId });
    const again = await bus.requestJson<SessionClaimReply>(sessionProtocol('llm').claim.subject, { session_id: sessionId, agent_id: auren.id });

    expect(released).toEqual({ session_id: sessionId, released: true });
    expect(again).toMatchObject({ taken: true });
  });
});
