import { Bus } from '@voxbridge/bus';
import {
  HistoryRequest,
  mediaSubject,
  queueGroup,
  sessionProtocol,
  SESSIONS_STREAM_SUBJECTS,
  SessionSubjects,
  TurnAnsweredFact,
  TurnFactSubjects,
  VoiceSubjects,
  type AgentDto,
  type ReplyEvent,
  type SessionClaimReply,
} from '@voxbridge/contracts';
import type { DurableConsumer } from '@voxbridge/bus';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, FakeOpenAiCompatibleServer, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { LlmRouterEnv } from '../src/config/llm-router.env';
import { serviceSchema } from '../src/persistence/schema';

/**
 * Stalled LLM providers against llm-router's deadlines (issue 12, item 5).
 * Real: llm-router booted in-process, NATS, the durable `sessions` stream, providers over real
 * sockets. Fake: agent-api and session-store responders on the bus; the LLM servers
 * (FakeOpenAiCompatibleServer) stalling while sending OpenRouter's keep-alive comments, so only a
 * deadline on tokens, not on bytes, can notice. No verdict depends on elapsed time.
 */

const definition = { service: 'llm-router' as const, env: LlmRouterEnv, module: AppModule.register.bind(AppModule) };

describe('llm-router deadlines for stalled providers', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  const fakes: FakeOpenAiCompatibleServer[] = [];
  const taps: SubjectTap[] = [];
  const answers: TurnAnsweredFact[] = [];
  let directory: FakeAgentDirectory;
  let service: RunningService;
  let bus: Bus;
  let answersConsumer: DurableConsumer;

  async function fake(): Promise<FakeOpenAiCompatibleServer> {
    const server = await FakeOpenAiCompatibleServer.start();
    fakes.push(server);
    return server;
  }

  const agent = (overrides: Partial<AgentDto>) => directory.add({ llm_provider: 'openai_compatible', ...overrides });

  async function voiceTurn(agentId: string, text: string): Promise<SubjectTap> {
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    await bus.requestJson<SessionClaimReply>(sessionProtocol('llm').claim.subject, { session_id: sessionId, agent_id: agentId });
    bus.publishJson(mediaSubject(sessionId, 'transcript'), {
      session_id: sessionId,
      utterance_id: randomUUID(),
      kind: 'final',
      text,
      speech_end_at_ms: Date.now() - 700,
      final_at_ms: Date.now(),
      provider: 'fake-stt',
    });
    return tap;
  }

  const replies = (tap: SubjectTap) => tap.on('reply').map((r) => r.json as ReplyEvent);
  const ending = (tap: SubjectTap) =>
    tap.expectEventually(() => {
      const found = replies(tap).find((r) => r.kind === 'done' || r.kind === 'error');
      expect(['done', 'error']).toContain(found?.kind);
      return found as ReplyEvent;
    });
  const answerOf = (turnId: string) =>
    expectEventually(() => {
      const answer = answers.find((a) => a.turn_id === turnId);
      expect(answer?.turn_id).toBe(turnId);
      return answer as TurnAnsweredFact;
    });

  beforeAll(async () => {
    await runMigrations(infra.databaseUrl, [serviceSchema]);
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'llm-router-deadlines-test' });
    directory = new FakeAgentDirectory(bus);
    bus.serveJson(SessionSubjects.history, HistoryRequest, (req) => ({ session_id: req.session_id, messages: [] }), {
      queue: queueGroup(namespace, 'session-store'),
    });
    await bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
    answersConsumer = await bus.consumeDurable('sessions', 'deadlines-test', TurnFactSubjects.answered, TurnAnsweredFact, async (answer) => {
      answers.push(answer);
    });
    service = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      DATABASE_URL: infra.databaseUrl,
      LLM_FIRST_TOKEN_MS: '1500',
      LLM_INTER_TOKEN_MS: '1000',
    });
  });

  afterAll(async () => {
    await Promise.all(taps.map((t) => t.stop()));
    await service?.close();
    await answersConsumer?.stop();
    await bus?.drain();
    await Promise.all(fakes.map((f) => f.close()));
  });

  it('moves on to the next fallback step when the primary stalls before its first token, and closes the stalled request', async () => {
    const primary = await fake();
    primary.script({ fault: { kind: 'stall', afterTokens: 0, keepAliveEveryMs: 200 } });
    const backup = await fake();
    backup.script({ tokens: ['Backup', ' here.'] });
    const auren = agent({ llm_base_url: primary.url, fallback: [{ provider: 'openai_compatible', model: 'small', base_url: backup.url }] });

    const tap = await voiceTurn(auren.id, 'Anyone there?');

    const end = await ending(tap);
    expect(end).toMatchObject({ kind: 'done', text: 'Backup here.' });
    expect(replies(tap)[0]).toMatchObject({ kind: 'delta', provider: 'openai-compatible', model: 'small' });
    await expectEventually(() => expect(primary.requests[0]?.clientDisconnected).toBe(true));
    expect(await answerOf(end.turn_id)).toMatchObject({ outcome: 'done', model: 'small', assistant_text: 'Backup here.' });
  });

  it('ends the turn with a timeout error naming the first-token deadline and the server when the only step stalls', async () => {
    const only = await fake();
    only.script({ fault: { kind: 'stall', afterTokens: 0, keepAliveEveryMs: 200 } });
    const auren = agent({ llm_base_url: only.url });

    const tap = await voiceTurn(auren.id, 'Hello?');

    const end = await ending(tap);
    expect(end).toMatchObject({ kind: 'error', error_code: 'timeout' });
    expect(end.error_message).toContain(`openai_compatible ${only.url} (no first token within 1500 ms (first-token deadline))`);
    expect(end.error_message).not.toContain('OPENROUTER_API_KEY');
    await expectEventually(() => expect(only.requests[0]?.clientDisconnected).toBe(true));
    expect(await answerOf(end.turn_id)).toMatchObject({ outcome: 'error', error_code: 'timeout' });
  });

  it('cuts an answer that stalls mid-way with a timeout error naming the inter-token deadline, keeping the words said, no fallback', async () => {
    const primary = await fake();
    primary.script({ tokens: ['I', ' think', ' that', ' maybe'], fault: { kind: 'stall', afterTokens: 2, keepAliveEveryMs: 200 } });
    const backup = await fake();
    const auren = agent({ llm_base_url: primary.url, fallback: [{ provider: 'openai_compatible', model: 'small', base_url: backup.url }] });

    const tap = await voiceTurn(auren.id, 'What do you think?');

    const end = await ending(tap);
    expect(replies(tap).map((r) => [r.kind, r.seq])).toEqual([
      ['delta', 0],
      ['delta', 1],
      ['error', 2],
    ]);
    expect(end).toMatchObject({ kind: 'error', error_code: 'timeout', provider: 'openai-compatible' });
    expect(end.error_message).toContain('no token for 1000 ms after 2 tokens (inter-token deadline)');
    await expectEventually(() => expect(primary.requests[0]?.clientDisconnected).toBe(true));
    expect(backup.requests).toHaveLength(0);
    expect(await answerOf(end.turn_id)).toMatchObject({ outcome: 'error', assistant_text: 'I think', error_code: 'timeout' });
  });

  it('ends a text turn whose provider stalls mid-answer with an error event', async () => {
    const primary = await fake();
    primary.script({ tokens: ['Text', ' that', ' stops'], fault: { kind: 'stall', afterTokens: 1, keepAliveEveryMs: 200 } });
    const auren = agent({ llm_base_url: primary.url });
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);

    await bus.requestJson(VoiceSubjects.textTurn, { session_id: sessionId, agent_id: auren.id, turn_id: randomUUID(), content: 'Write.' });

    const end = await ending(tap);
    expect(end).toMatchObject({ kind: 'error', error_code: 'timeout' });
    expect(end.error_message).toContain('inter-token deadline');
  });

  it("uses the agent's own deadline over llm-router's default", async () => {
    const primary = await fake();
    primary.script({ tokens: ['Slow', ' one'], fault: { kind: 'stall', afterTokens: 1, keepAliveEveryMs: 200 } });
    const auren = agent({ llm_base_url: primary.url, deadlines: { llm_inter_token_ms: 700 } });

    const tap = await voiceTurn(auren.id, 'Go on.');

    const end = await ending(tap);
    expect(end).toMatchObject({ kind: 'error', error_code: 'timeout' });
    expect(end.error_message).toContain('no token for 700 ms after 1 token (inter-token deadline)');
  });
});
