import { Bus, BusRemoteError } from '@voxbridge/bus';
import { AuthSubjects, ErrorCode, type VerifiedCredential, type VoiceTokenDto } from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { testInfra } from '@voxbridge/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEncryptionKey, startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

describe('voice tokens and credential checks for the voice socket', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  let webRoot: string;
  let agentId: string;

  const verify = (credential: string, agent_id?: string) =>
    bus.requestJson<VerifiedCredential>(AuthSubjects.verify, { credential, ...(agent_id ? { agent_id } : {}) }, { timeoutMs: 2_000 });
  const refusal = async (work: Promise<unknown>): Promise<BusRemoteError> => {
    const error = await work.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BusRemoteError);
    expect((error as BusRemoteError).code).toBe(ErrorCode.Unauthorized);
    return error as BusRemoteError;
  };

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'vb-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>VoxBridge</title><div id="root"></div>');
    writeFileSync(join(webRoot, 'app.js'), 'console.log("app")');
    api = await startAgentApi({ VOXBRIDGE_ENCRYPTION_KEY: newEncryptionKey(), WEB_ROOT: webRoot, WEBRTC_GATEWAY_PORT: '4999', VOICE_TOKEN_TTL_S: '60' });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'voice-int-spec', logger: testLogger('voice-int-spec') });
    const agents = (await api.request('GET', '/api/agents')).body as Array<{ id: string; is_default: boolean }>;
    agentId = agents.find((agent) => agent.is_default)?.id ?? '';
  });

  afterAll(async () => {
    await bus?.drain();
    await api?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('mints a token bound to an agent, with the voice socket address on the host the caller used', async () => {
    const response = await api.request('POST', '/api/voice/token', { agent_id: agentId });
    expect(response.status).toBe(201);
    const body = response.body as VoiceTokenDto;
    expect(body.token).toMatch(/^vbt_/);
    expect(body.ws_url).toBe('ws://127.0.0.1:4999/ws/voice');
    const ttlMs = Date.parse(body.expires_at) - Date.now();
    expect(ttlMs).toBeGreaterThan(50_000);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
    await expect(verify(body.token, agentId)).resolves.toMatchObject({ kind: 'voice_token', role: 'admin', agent_id: agentId });
    expect((await refusal(verify(body.token, '00000000-0000-4000-8000-000000000000'))).message).toContain('another agent');
  });

  it('refuses bad requests and callers without a key, and changes nothing', async () => {
    expect((await api.request('POST', '/api/voice/token', {}, null)).status).toBe(401);
    const bad = await api.request('POST', '/api/voice/token', { agent_id: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'validation_failed', fields: { agent_id: expect.any(Array) } } });
    expect((await api.request('POST', '/api/voice/token', { agent_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
  });

  it('verifies API keys over the bus and refuses anything else, naming why', async () => {
    await expect(verify(api.adminKey)).resolves.toMatchObject({ kind: 'api_key', role: 'admin' });
    expect((await refusal(verify('vbk_unknown-key-000000000000000000000000000'))).message).toContain('unknown or revoked');
    expect((await refusal(verify('hello'))).message).toContain('not an API key');
    const { token } = (await api.request('POST', '/api/voice/token', {})).body as VoiceTokenDto;
    const [body = '', signature = ''] = token.slice(4).split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const stretched = Buffer.from(JSON.stringify({ ...claims, e: Date.now() + 86_400_000 })).toString('base64url');
    expect((await refusal(verify(`vbt_${stretched}.${signature}`))).message).toContain('invalid voice token');
  });

  it('lets a token die with the API key that minted it', async () => {
    const created = (await api.request('POST', '/api/keys', { name: 'web', role: 'client' })).body as { id: string; key: string };
    const { token } = (await api.request('POST', '/api/voice/token', {}, created.key)).body as VoiceTokenDto;
    await expect(verify(token)).resolves.toMatchObject({ kind: 'voice_token', role: 'client', key_id: created.id });
    expect((await api.request('DELETE', `/api/keys/${created.id}`)).status).toBe(204);
    await refusal(verify(token));
  });

  it('serves the web app at / and for client routes, but never in place of the API', async () => {
    const index = await fetch(`${api.baseUrl}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="root">');
    expect(await (await fetch(`${api.baseUrl}/app.js`)).text()).toContain('console.log');
    expect(await (await fetch(`${api.baseUrl}/conversations/abc`)).text()).toContain('<div id="root">');
    expect((await fetch(`${api.baseUrl}/missing.js`)).status).toBe(404);
    const notApp = await api.request('GET', '/api/nothing-here');
    expect(notApp.status).toBe(404);
    expect(notApp.body).toMatchObject({ error: { code: 'not_found' } });
    expect((await api.request('GET', '/api/agents', undefined, null)).status).toBe(401);
  });
});
