import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import WebSocket from 'ws';
import { Bus } from '@voxbridge/bus';
import { AUDIO_IN_FRAME_BYTES, SERVICE_NAMES, SERVICES, streamName, VoiceCloseCode, type FleetHealthReport, type ServiceName } from '@voxbridge/contracts';
import { runMigrations, type ServiceSchema } from '@voxbridge/persistence';
import type { ServiceDefinition, ServiceEnv } from '@voxbridge/platform';
import { bootService, fleetCensus, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, DEFAULT_FAKE_TOKENS, dropDatabase, expectEventually, FakeOpenAiCompatibleServer, testInfra } from '@voxbridge/testing';
import { envModulePath } from './env-catalog';
import { roots } from './generate';
import { startConfiguredNats, testNatsPassword, type ConfiguredNats } from './test-support/configured-nats';

// The eight services, each logged in to a real nats-server as its own user with exactly the
// generated permissions (deploy/nats/nats.conf), on a database of this run. A service that touches
// a subject it was not granted shows up as a permission violation in the server's log, or never
// gets ready. Tools import no app statically: the apps are loaded at run time, as env-catalog does.

const { codeRoot, extension } = roots();
const NAMESPACE = 'vb';
const ADMIN_KEY = `vbk_${randomBytes(32).toString('base64url')}`;
const ENCRYPTION_KEY = `k1:${randomBytes(32).toString('base64')}`;

function load(path: string): Record<string, unknown> {
  return require(join(codeRoot, `${path}${extension}`)) as Record<string, unknown>;
}

function definitionOf(service: ServiceName): ServiceDefinition<ServiceEnv> {
  const env = Object.values(load(envModulePath(service))).find((v): v is new () => ServiceEnv => typeof v === 'function' && /Env$/.test(v.name));
  const { AppModule } = load(join('apps', service, 'src', 'app.module')) as { AppModule: { register: ServiceDefinition<ServiceEnv>['module'] } };
  if (!env) throw new Error(`${service}: no *Env class`);
  const configure = service === 'agent-api' ? (load(join('apps', service, 'src', 'http', 'configure-http'))['configureHttp'] as ServiceDefinition<ServiceEnv>['configure']) : undefined;
  return { service, env, module: (config, logger) => AppModule.register(config, logger), ...(configure ? { configure } : {}) };
}

function schemaOf(service: ServiceName): ServiceSchema {
  return load(join('apps', service, 'src', 'persistence', 'schema'))['serviceSchema'] as ServiceSchema;
}

function envOf(service: ServiceName, natsUrl: string, databaseUrl: string): Record<string, string> {
  const env: Record<string, string> = { NATS_URL: natsUrl, NATS_USER: service, NATS_PASSWORD: testNatsPassword(service), VOXBRIDGE_NAMESPACE: NAMESPACE };
  if (SERVICES[service].schema) env['DATABASE_URL'] = databaseUrl;
  if (service === 'agent-api' || service === 'discord-connector' || service === 'plugin-supervisor') env['VOXBRIDGE_ENCRYPTION_KEY'] = ENCRYPTION_KEY;
  if (service === 'agent-api') env['VOXBRIDGE_BOOTSTRAP_ADMIN_KEY'] = ADMIN_KEY;
  return env;
}

/** A spoken question as the socket takes it: 16 kHz mono PCM16, synthesized offline (flite, sox), between silences. */
function spokenFrames(text: string): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'vb-acl-voice-'));
  try {
    execFileSync('flite', ['-voice', 'slt', '-t', text, '-o', join(dir, 'spoken.wav')]);
    execFileSync('sox', [join(dir, 'spoken.wav'), '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', join(dir, 'spoken.raw'), 'pad', '0.5', '1.5']);
    const pcm = readFileSync(join(dir, 'spoken.raw'));
    const frames: Uint8Array[] = [];
    for (let at = 0; at + AUDIO_IN_FRAME_BYTES <= pcm.length; at += AUDIO_IN_FRAME_BYTES) frames.push(new Uint8Array(pcm.subarray(at, at + AUDIO_IN_FRAME_BYTES)));
    return frames;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const violations = (log: string) => log.split('\n').filter((line) => /Violation|authentication error/i.test(line));

describe('the fleet under its generated NATS permissions', () => {
  const infra = testInfra();
  let nats: ConfiguredNats;
  let databaseUrl: string;
  let admin: Bus;
  let llm: FakeOpenAiCompatibleServer;
  const running = new Map<ServiceName, RunningService>();

  beforeAll(async () => {
    nats = await startConfiguredNats(NAMESPACE);
    llm = await FakeOpenAiCompatibleServer.start();
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_test_nats_acl');
    await runMigrations(
      databaseUrl,
      SERVICE_NAMES.filter((s) => SERVICES[s].schema).map((s) => schemaOf(s)),
    );
    for (const service of SERVICE_NAMES) {
      const env = { ...envOf(service, nats.url, databaseUrl), ...(service === 'llm-router' ? { OLLAMA_BASE_URL: llm.url } : {}) };
      running.set(service, await bootService(definitionOf(service), env));
    }
    admin = await Bus.connect({ servers: nats.url, namespace: NAMESPACE, name: 'acl-test-admin', user: 'admin', pass: testNatsPassword('admin') });
  }, 120_000);

  afterAll(async () => {
    await admin?.drain();
    for (const service of [...running.values()].reverse()) await service.close().catch(() => undefined);
    await nats?.stop();
    await llm?.close();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  }, 60_000);

  it.each(SERVICE_NAMES.map((s) => [s]))('%s logs in as its own user and is ready', async (service) => {
    const sut = running.get(service);
    await expectEventually(
      async () => {
        const response = await fetch(`${sut?.baseUrl}/ready`);
        expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 200 });
      },
      { timeoutMs: 15_000, context: () => violations(nats.log()).join('\n') },
    );
  });

  it('answers the fleet census, every service under its own user', async () => {
    const replies = await fleetCensus(admin, 1_500);
    expect(replies.map((r) => ({ service: r.service, status: r.status })).sort((a, b) => a.service.localeCompare(b.service))).toEqual(
      [...SERVICE_NAMES].sort().map((service) => ({ service, status: 'healthy' })),
    );
  });

  it('lets agent-api take the census for GET /api/fleet/health', async () => {
    const response = await fetch(`${running.get('agent-api')?.baseUrl}/api/fleet/health`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const report = (await response.json()) as FleetHealthReport;
    expect(response.status).toBe(200);
    expect(report.services.map((s) => `${s.name}: ${s.status}`).sort()).toEqual([...SERVICE_NAMES].sort().map((name) => `${name}: healthy`));
  });

  it('runs a voice session: claimed for stt, llm and tts, one spoken turn answered and stored, then ended', async () => {
    const api = running.get('agent-api')?.baseUrl ?? '';
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect({ path, status: response.status }).toEqual({ path, status: method === 'POST' ? 201 : 200 });
      return (await response.json()) as T;
    };
    const agents = await call<Array<{ id: string; is_default: boolean }>>('GET', '/api/agents');
    const agentId = (agents.find((a) => a.is_default) ?? agents[0])?.id ?? '';
    const { token } = await call<{ token: string }>('POST', '/api/voice/token', { agent_id: agentId });
    const gateway = running.get('webrtc-gateway')?.baseUrl.replace('http', 'ws') ?? '';
    const ws = new WebSocket(`${gateway}/ws/voice?${new URLSearchParams({ agent_id: agentId, token }).toString()}`);
    const events: Array<{ event: string; data: Record<string, unknown> }> = [];
    let audioOutBytes = 0;
    let closed: { code: number; reason: string } | undefined;
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) audioOutBytes += data.length;
      else events.push(JSON.parse(data.toString()) as { event: string; data: Record<string, unknown> });
    });
    const names = () => events.map((e) => e.event);
    ws.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
    try {
      await expectEventually(() => expect(names()).toContain('ready'), { timeoutMs: 15_000, context: () => JSON.stringify({ closed, events, violations: violations(nats.log()) }) });
      // In real time (20 ms frames): stt-gateway hears it, llm-router answers, tts-gateway speaks,
      // session-store stores the turn (turn_metrics comes from its turnRecorded event).
      for (const frame of spokenFrames('What is the weather like in Paris today')) {
        ws.send(frame);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await expectEventually(
        () => {
          expect(names()).toEqual(expect.arrayContaining(['final_transcript', 'ai_response_complete', 'turn_metrics']));
          expect(audioOutBytes).toBeGreaterThan(0);
        },
        { timeoutMs: 20_000, context: () => JSON.stringify({ closed, events, audioOutBytes, violations: violations(nats.log()) }) },
      );
      expect(events.find((e) => e.event === 'ai_response_complete')?.data['text']).toBe(DEFAULT_FAKE_TOKENS.join(''));
      ws.send(JSON.stringify({ type: 'end' }));
      await expectEventually(() => expect(closed?.code).toBe(VoiceCloseCode.Ended), { timeoutMs: 10_000, context: () => JSON.stringify({ closed, events }) });
      const sessionId = String(events.find((e) => e.event === 'ready')?.data['session_id']);
      await expectEventually(async () => expect((await call<{ ended_at: string | null }>('GET', `/api/sessions/${sessionId}`)).ended_at).toEqual(expect.any(String)));
      // Each stage held the session in its own lease bucket, created under its own user.
      const jsm = await admin.connection.jetstreamManager();
      for (const stage of ['stt', 'llm', 'tts']) expect((await jsm.streams.info(`KV_${streamName(NAMESPACE, `leases-${stage}`)}`)).state.messages).toBeGreaterThan(0);
    } finally {
      ws.close();
    }
  });

  it('touched no subject it was not granted (nats-server logged no violation)', () => {
    expect(violations(nats.log())).toEqual([]);
  });

  it('would have seen a violation: the server logs a subject a user was not granted', async () => {
    const stt = await connect({ servers: nats.url, user: 'stt-gateway', pass: testNatsPassword('stt-gateway'), name: 'acl-test-intruder' });
    try {
      stt.publish(`${NAMESPACE}.sessions.v1.session.create`);
      stt.subscribe(`${NAMESPACE}.agents.v1.agent.*`);
      await stt.flush().catch(() => undefined);
      await expectEventually(() => expect(violations(nats.log()).join('\n')).toMatch(/Publish Violation - User "stt-gateway", Subject "vb\.sessions\.v1\.session\.create"[\s\S]*Subscription Violation - User "stt-gateway", Subject "vb\.agents\.v1\.agent\.\*"/));
    } finally {
      await stt.close();
    }
  });
});
