import { Bus } from '@voxbridge/bus';
import {
  HistoryRequest,
  mediaSubject,
  queueGroup,
  sessionProtocol,
  SESSIONS_STREAM_SUBJECTS,
  SessionSubjects,
  type ReplyEvent,
  type SessionClaimReply,
  type TranscriptEvent,
} from '@voxbridge/contracts';
import { ServiceIdentity } from '@voxbridge/platform';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { FakeOpenAiCompatibleServer, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { LlmRouterEnv } from '../src/config/llm-router.env';
import { serviceSchema } from '../src/persistence/schema';

/**
 * SIGTERM of the llm-router replica that is answering: the session is handed to the other
 * replica, and the answer under way is finished by the one stopping — no gap, no cut, no
 * second answer. Real: two llm-routers in-process on real NATS; fake: the LLM server, agent-api
 * and session-store responders.
 */

const definition = { service: 'llm-router' as const, env: LlmRouterEnv, module: AppModule.register.bind(AppModule) };

describe('llm-router hand-over on shutdown', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('handover');
  let llm: FakeOpenAiCompatibleServer;
  let bus: Bus;
  let directory: FakeAgentDirectory;
  const services: RunningService[] = [];
  const taps: SubjectTap[] = [];

  const boot = async () => {
    const service = await bootService(definition, { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: namespace, DATABASE_URL: infra.databaseUrl });
    services.push(service);
    return service;
  };

  function say(sessionId: string, text: string): TranscriptEvent {
    const speechEndAtMs = Date.now() - 700;
    const event: TranscriptEvent = {
      session_id: sessionId,
      utterance_id: randomUUID(),
      kind: 'final',
      text,
      speech_end_at_ms: speechEndAtMs,
      final_at_ms: speechEndAtMs + 650,
      stt_latency_ms: 50,
      end_of_turn_silence_ms: 600,
      provider: 'fake-stt',
    };
    bus.publishJson(mediaSubject(sessionId, 'transcript'), event);
    return event;
  }

  beforeAll(async () => {
    await runMigrations(infra.databaseUrl, [serviceSchema]);
    llm = await FakeOpenAiCompatibleServer.start();
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'llm-router-handover-test' });
    directory = new FakeAgentDirectory(bus);
    bus.serveJson(SessionSubjects.history, HistoryRequest, (req) => ({ session_id: req.session_id, messages: [] }), { queue: queueGroup(namespace, 'session-store') });
    await bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
  });

  afterAll(async () => {
    await Promise.all(taps.map((tap) => tap.stop()));
    await Promise.all(services.map((service) => service.close().catch(() => undefined)));
    await bus?.drain();
    await llm?.close();
  });

  it('finishes the answer under way on the replica that stops, and the other replica answers the next utterance', async () => {
    const first = await boot();
    const agent = directory.add({ llm_provider: 'openai_compatible', llm_base_url: llm.url });
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    const claim = await bus.requestJson<SessionClaimReply>(sessionProtocol('llm').claim.subject, { session_id: sessionId, agent_id: agent.id });
    expect(claim.owner_instance_id).toBe(first.app.get(ServiceIdentity).instanceId);
    const second = await boot();

    // A slow answer: six tokens at four a second.
    llm.script({ tokens: ['Once', ' upon', ' a', ' time', ' there', ' was.'], tokensPerSecond: 4 });
    const story = say(sessionId, 'Tell me a story.');
    await tap.expectEventually(() => expect(tap.on('reply').map((r) => (r.json as ReplyEvent).kind)).toContain('delta'));

    await first.close(); // what SIGTERM does: the app closes, its sessions are handed over

    const replies = () => tap.on('reply').map((r) => r.json as ReplyEvent).filter((r) => r.turn_id === story.utterance_id);
    await tap.expectEventually(() => expect(replies().map((r) => r.kind)).toContain('done'));
    expect(replies().find((r) => r.kind === 'done')?.text).toBe('Once upon a time there was.');
    expect(tap.on('control').map((r) => r.json)).toEqual([]);

    llm.script({ tokens: ['The', ' end.'] });
    const next = say(sessionId, 'And then?');
    await tap.expectEventually(() => {
      const done = tap.on('reply').map((r) => r.json as ReplyEvent).find((r) => r.turn_id === next.utterance_id && r.kind === 'done');
      expect(done?.text).toBe('The end.');
    });
    // Answered once, by the replica still running.
    expect(tap.on('reply').filter((r) => (r.json as ReplyEvent).turn_id === next.utterance_id && (r.json as ReplyEvent).kind === 'done')).toHaveLength(1);
    expect(llm.requests).toHaveLength(2);
    expect(second.app.get(ServiceIdentity).instanceId).not.toBe(claim.owner_instance_id);
  });
});
