import { AGENT_DEFAULTS, crossFieldProblems, type AgentFields } from './agent.model';

const agent = (extra: Partial<AgentFields>): AgentFields => ({ ...AGENT_DEFAULTS, name: 'a', system_prompt: 'p', ...extra });

describe(crossFieldProblems.name, () => {
  it('accepts the defaults: auto providers, which need no base URL or webhook', () => {
    expect(AGENT_DEFAULTS).toMatchObject({ llm_provider: 'auto', stt_provider: 'auto', tts_provider: 'auto', llm_base_url: null, fallback: [] });
    expect(crossFieldProblems(agent({}))).toEqual({});
  });

  it('names the field each provider needs', () => {
    expect(crossFieldProblems(agent({ llm_provider: 'n8n' }))).toEqual({ n8n_webhook_url: ['is required when llm_provider is n8n'] });
    expect(Object.keys(crossFieldProblems(agent({ llm_provider: 'openai_compatible' })))).toEqual(['llm_base_url']);
    expect(Object.keys(crossFieldProblems(agent({ fallback: [{ provider: 'openrouter', model: 'm' }, { provider: 'openai_compatible', model: 'm' }] })))).toEqual([
      'fallback.1.base_url',
    ]);
  });
});
