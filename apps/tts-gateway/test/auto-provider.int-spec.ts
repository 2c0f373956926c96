/**
 * `tts_provider: auto` with no speech server configured: tts-gateway falls back to the offline
 * engine. Real: tts-gateway in-process, NATS (JetStream leases), flite / espeak-ng when installed.
 * Fake: agent-api's `agents.v1.agent.get` responder; llm-router's `reply` events, published by the test.
 */
import { randomUUID } from 'node:crypto';
import { Bus } from '@voxbridge/bus';
import { mediaSubject, sessionProtocol, streamName, type ReplyEvent, type SessionClaimReply, type TurnEvent } from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { TtsGatewayEnv } from '../src/config/tts-gateway.env';
import { detectLocalTtsEngine } from '../src/providers';

const definition = { service: 'tts-gateway' as const, env: TtsGatewayEnv, module: AppModule.register.bind(AppModule) };

describe('tts-gateway tts_provider auto without a speech server', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('tts-auto');
  let bus: Bus;
  let directory: FakeAgentDirectory;
  let service: RunningService;
  let tap: SubjectTap | undefined;

  beforeAll(async () => {
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'tts-auto-test' });
    directory = new FakeAgentDirectory(bus);
    service = await bootService(definition, { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: namespace, TTS_LEASE_MS: '60000' });
  });

  afterAll(async () => {
    await tap?.stop();
    await service?.close();
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, 'leases-tts')}`).catch(() => false);
    directory.stop();
    await bus.drain();
  });

  it('speaks with the offline engine when one is installed, and reports it in its metrics', async () => {
    const engine = await detectLocalTtsEngine('auto');
    const agent = directory.add({ tts_provider: 'auto', tts_voice: 'auren_voice', filter_actions_for_tts: false });
    const sessionId = randomUUID();
    const turnId = randomUUID();
    tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    const claim = await bus.requestJson<SessionClaimReply>(sessionProtocol('tts').claim.subject, { session_id: sessionId, agent_id: agent.id });
    expect(claim.taken).toBe(true);

    const text = 'Hello from the offline voice.';
    const reply = (kind: ReplyEvent['kind'], seq: number, extra: Partial<ReplyEvent>): ReplyEvent => ({ session_id: sessionId, turn_id: turnId, kind, seq, ...extra });
    bus.publishJson(mediaSubject(sessionId, 'reply'), reply('delta', 0, { text, llm_ttft_ms: 100, first_token_at_ms: Date.now(), provider: 'fake', model: 'fake' }));
    bus.publishJson(mediaSubject(sessionId, 'reply'), reply('done', 1, { text }));

    const done = await tap.expectEventually(
      () => {
        const event = tap?.on('turn').map((r) => r.json as TurnEvent).find((e) => e.turn_id === turnId && e.state === 'done');
        if (!event) throw new Error('no done yet');
        return event;
      },
      { timeoutMs: 15_000 },
    );
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    if (engine) {
      expect(done.heard_text).toBe(text);
      expect(done.frames_played).toBeGreaterThan(10);
      expect(metrics).toMatch(new RegExp(`tts_ttfb_ms_count\\{[^}]*provider="local:${engine.name}"[^}]*agent="${agent.id}"[^}]*\\} 1`));
    } else {
      console.warn('offline engine missing (apt-get install flite): auto had nothing to speak with');
      expect(done).toMatchObject({ heard_text: '', frames_played: 0 });
      expect(metrics).toMatch(/tts_provider_errors_total\{[^}]*provider="auto"[^}]*code="unavailable"[^}]*\} [1-9]/);
    }
  });
});
