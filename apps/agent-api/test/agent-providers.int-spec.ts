import { AGENT_LLM_PROVIDERS, AGENT_STT_PROVIDERS, AGENT_TTS_PROVIDERS, type AgentDto } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

/**
 * An agent names only providers the fleet has: anything else is a 400 naming the choices, at
 * create and at update, and changes nothing (before, `google` was stored and failed only when
 * someone talked). Real: agent-api, Postgres, NATS.
 */

interface ErrorBody {
  error?: { code: string; message: string; fields?: Record<string, string[]> };
}

describe('agent providers', () => {
  let api: AgentApiHarness;

  beforeAll(async () => {
    api = await startAgentApi();
  });

  afterAll(async () => {
    await api?.close();
  });

  const create = (extra: Record<string, unknown>) => api.request('POST', '/api/agents', { name: `Providers ${randomUUID()}`, system_prompt: 'Be brief.', ...extra });

  it.each([
    ['stt_provider', 'google', AGENT_STT_PROVIDERS],
    ['tts_provider', 'elevenlabs', AGENT_TTS_PROVIDERS],
    ['llm_provider', 'anthropic', AGENT_LLM_PROVIDERS],
  ] as const)('refuses %s %s on create with a 400 naming the choices', async (field, value, choices) => {
    const reply = await create({ [field]: value });

    const body = reply.body as ErrorBody;
    expect({ status: reply.status, code: body.error?.code, fields: body.error?.fields }).toEqual({
      status: 400,
      code: 'validation_failed',
      fields: { [field]: [`must be one of: ${choices.join(', ')}`] },
    });
  });

  it('refuses an unknown provider on update and keeps the stored one', async () => {
    const agent = (await create({ stt_provider: 'whisperx', tts_provider: 'local' })).body as AgentDto;

    const reply = await api.request('PUT', `/api/agents/${agent.id}`, { stt_provider: 'google', tts_provider: 'elevenlabs' });

    expect(reply.status).toBe(400);
    expect((reply.body as ErrorBody).error?.fields).toEqual({
      stt_provider: ['must be one of: auto, whisperx, openai_compatible, local'],
      tts_provider: ['must be one of: auto, chatterbox, openai_compatible, local'],
    });
    const stored = (await api.request('GET', `/api/agents/${agent.id}`)).body as AgentDto;
    expect([stored.stt_provider, stored.tts_provider]).toEqual(['whisperx', 'local']);
  });

  it('accepts every provider the fleet offers', async () => {
    for (const stt_provider of AGENT_STT_PROVIDERS) {
      for (const tts_provider of AGENT_TTS_PROVIDERS) {
        const reply = await create({ stt_provider, tts_provider });
        expect({ stt_provider, tts_provider, status: reply.status }).toEqual({ stt_provider, tts_provider, status: 201 });
      }
    }
  });

  it('documents the choices in the OpenAPI document', async () => {
    const document = (await api.request('GET', '/api/docs-json')).body as {
      components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
    };
    const properties = document.components.schemas['CreateAgentDto']?.properties ?? {};

    expect([properties['stt_provider']?.enum, properties['tts_provider']?.enum]).toEqual([[...AGENT_STT_PROVIDERS], [...AGENT_TTS_PROVIDERS]]);
  });
});
