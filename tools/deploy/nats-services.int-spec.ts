import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import WebSocket from 'ws';
import { AUDIO_IN_FRAME_BYTES, SERVICE_NAMES, streamName, VoiceCloseCode, type FleetHealthReport } from '@voxbridge/contracts';
import { fleetCensus } from '@voxbridge/service-testing';
import { DEFAULT_FAKE_TOKENS, expectEventually, FakeOpenAiCompatibleServer } from '@voxbridge/testing';
import { ACL_NAMESPACE as NAMESPACE, startAclFleet, type AclFleet } from './test-support/acl-fleet';
import { testNatsPassword } from './test-support/configured-nats';

// The eight services, each logged in to a real nats-server as its own user with exactly the
// generated permissions (deploy/nats/nats.conf), driving a spoken turn through webrtc-gateway.
// Discord voice and plugins under their users: nats-services-discord-plugins.int-spec.ts.

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

describe('the fleet under its generated NATS permissions', () => {
  let fleet: AclFleet;
  let llm: FakeOpenAiCompatibleServer;
  const violations = () => fleet.violations();

  beforeAll(async () => {
    llm = await FakeOpenAiCompatibleServer.start();
    fleet = await startAclFleet({ database: 'vb_test_nats_acl', env: { 'llm-router': { OLLAMA_BASE_URL: llm.url } } });
  }, 120_000);

  afterAll(async () => {
    await fleet?.close();
    await llm?.close();
  }, 60_000);

  it.each(SERVICE_NAMES.map((s) => [s]))('%s logs in as its own user and is ready', async (service) => {
    const sut = fleet.service(service);
    await expectEventually(
      async () => {
        const response = await fetch(`${sut.baseUrl}/ready`);
        expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 200 });
      },
      { timeoutMs: 15_000, context: () => violations().join('\n') },
    );
  });

  it('answers the fleet census, every service under its own user', async () => {
    const replies = await fleetCensus(fleet.admin, 1_500);
    expect(replies.map((r) => ({ service: r.service, status: r.status })).sort((a, b) => a.service.localeCompare(b.service))).toEqual(
      [...SERVICE_NAMES].sort().map((service) => ({ service, status: 'healthy' })),
    );
  });

  it('lets agent-api take the census for GET /api/fleet/health', async () => {
    const response = await fetch(`${fleet.service('agent-api').baseUrl}/api/fleet/health`, { headers: { authorization: `Bearer ${fleet.adminKey}` } });
    const report = (await response.json()) as FleetHealthReport;
    expect(response.status).toBe(200);
    expect(report.services.map((s) => `${s.name}: ${s.status}`).sort()).toEqual([...SERVICE_NAMES].sort().map((name) => `${name}: healthy`));
  });

  it('runs a voice session: claimed for stt, llm and tts, one spoken turn answered and stored, then ended', async () => {
    const api = fleet.service('agent-api').baseUrl;
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect({ path, status: response.status }).toEqual({ path, status: method === 'POST' ? 201 : 200 });
      return (await response.json()) as T;
    };
    const agents = await call<Array<{ id: string; is_default: boolean }>>('GET', '/api/agents');
    const agentId = (agents.find((a) => a.is_default) ?? agents[0])?.id ?? '';
    const { token } = await call<{ token: string }>('POST', '/api/voice/token', { agent_id: agentId });
    const gateway = fleet.service('webrtc-gateway').baseUrl.replace('http', 'ws');
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
      await expectEventually(() => expect(names()).toContain('ready'), { timeoutMs: 15_000, context: () => JSON.stringify({ closed, events, violations: violations() }) });
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
        { timeoutMs: 20_000, context: () => JSON.stringify({ closed, events, audioOutBytes, violations: violations() }) },
      );
      expect(events.find((e) => e.event === 'ai_response_complete')?.data['text']).toBe(DEFAULT_FAKE_TOKENS.join(''));
      ws.send(JSON.stringify({ type: 'end' }));
      await expectEventually(() => expect(closed?.code).toBe(VoiceCloseCode.Ended), { timeoutMs: 10_000, context: () => JSON.stringify({ closed, events }) });
      const sessionId = String(events.find((e) => e.event === 'ready')?.data['session_id']);
      await expectEventually(async () => expect((await call<{ ended_at: string | null }>('GET', `/api/sessions/${sessionId}`)).ended_at).toEqual(expect.any(String)));
      // Each stage held the session in its own lease bucket, created under its own user.
      const jsm = await fleet.admin.connection.jetstreamManager();
      for (const stage of ['stt', 'llm', 'tts']) expect((await jsm.streams.info(`KV_${streamName(NAMESPACE, `leases-${stage}`)}`)).state.messages).toBeGreaterThan(0);
    } finally {
      ws.close();
    }
  });

  it('touched no subject it was not granted (nats-server logged no violation)', () => {
    expect(violations()).toEqual([]);
  });

  it('would have seen a violation: the server logs a subject a user was not granted', async () => {
    const stt = await connect({ servers: fleet.nats.url, user: 'stt-gateway', pass: testNatsPassword('stt-gateway'), name: 'acl-test-intruder' });
    try {
      stt.publish(`${NAMESPACE}.sessions.v1.session.create`);
      stt.subscribe(`${NAMESPACE}.agents.v1.agent.*`);
      await stt.flush().catch(() => undefined);
      await expectEventually(() => expect(violations().join('\n')).toMatch(/Publish Violation - User "stt-gateway", Subject "vb\.sessions\.v1\.session\.create"[\s\S]*Subscription Violation - User "stt-gateway", Subject "vb\.agents\.v1\.agent\.\*"/));
    } finally {
      await stt.close();
    }
  });
});
