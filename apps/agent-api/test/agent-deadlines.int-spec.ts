import { Bus } from '@voxbridge/bus';
import { AgentContracts, DEFAULT_AGENT_DEADLINES, type AgentDto } from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { newEncryptionKey, startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

/**
 * Per-agent deadlines (`deadlines` on the agent): stored, returned, served to the pipeline over the
 * bus, bounded. Real: agent-api, Postgres (the column from the migration), NATS.
 */

interface ErrorBody {
  error?: { code: string; fields?: Record<string, string[]> };
}

describe('agent deadlines', () => {
  let api: AgentApiHarness;
  let bus: Bus;

  beforeAll(async () => {
    api = await startAgentApi({ VOXBRIDGE_ENCRYPTION_KEY: newEncryptionKey() });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'agent-deadlines-test', logger: testLogger('agent-deadlines-test') });
  });

  afterAll(async () => {
    await bus?.drain();
    await api?.close();
  });

  const create = (extra: Record<string, unknown>) => api.request('POST', '/api/agents', { name: `Deadlines ${randomUUID()}`, system_prompt: 'Be brief.', ...extra });

  it('defaults to null (every service uses its own defaults)', async () => {
    const created = await create({});

    expect(created.status).toBe(201);
    expect((created.body as AgentDto).deadlines).toBeNull();
  });

  it('stores the deadlines an agent sets, returns them, and serves them to the pipeline on the bus', async () => {
    const deadlines = { llm_first_token_ms: 20_000, llm_inter_token_ms: 3_000, stt_final_ms: 2_500, tts_first_audio_ms: 8_000, tts_inter_chunk_ms: null };
    const created = await create({ deadlines });
    expect(created.status).toBe(201);
    const id = (created.body as AgentDto).id;

    const read = await api.request('GET', `/api/agents/${id}`);
    const viaBus = await bus.call(AgentContracts.get, { id });

    expect((read.body as AgentDto).deadlines).toEqual(deadlines);
    expect(viaBus.deadlines).toEqual(deadlines);
  });

  it('replaces the deadlines on PUT, and null clears them', async () => {
    const id = ((await create({ deadlines: { llm_first_token_ms: 9_000 } })).body as AgentDto).id;

    const changed = await api.request('PUT', `/api/agents/${id}`, { deadlines: { llm_inter_token_ms: DEFAULT_AGENT_DEADLINES.llm_inter_token_ms } });
    expect(changed.status).toBe(200);
    expect((changed.body as AgentDto).deadlines).toEqual({ llm_inter_token_ms: DEFAULT_AGENT_DEADLINES.llm_inter_token_ms });

    const cleared = await api.request('PUT', `/api/agents/${id}`, { deadlines: null });
    expect(cleared.status).toBe(200);
    expect((cleared.body as AgentDto).deadlines).toBeNull();
  });

  it.each([
    [{ llm_first_token_ms: 10 }, 'deadlines.llm_first_token_ms'],
    [{ llm_inter_token_ms: 600_000 }, 'deadlines.llm_inter_token_ms'],
    [{ stt_final_ms: 1.5 }, 'deadlines.stt_final_ms'],
    [{ tts_first_audio_ms: '5000' }, 'deadlines.tts_first_audio_ms'],
    [{ llm_first_token_s: 5 }, 'deadlines.llm_first_token_s'],
    ['fast', 'deadlines'],
    [[1, 2], 'deadlines'],
  ])('refuses deadlines %j with 400 naming %s, storing nothing', async (deadlines, field) => {
    const name = `Refused ${randomUUID()}`;
    const refused = await api.request('POST', '/api/agents', { name, system_prompt: 'Be brief.', deadlines });

    expect(refused.status).toBe(400);
    expect(Object.keys((refused.body as ErrorBody).error?.fields ?? {})).toContain(field);
    const all = await api.request('GET', '/api/agents');
    expect((all.body as AgentDto[]).some((a) => a.name === name)).toBe(false);
  });
});
