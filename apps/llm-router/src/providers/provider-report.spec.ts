import { LlmRouterEnv } from '../config/llm-router.env';
import { describeLlmProviders } from './provider-report';

const env = (values: Partial<LlmRouterEnv>) => Object.assign(new LlmRouterEnv(), values);

describe(describeLlmProviders.name, () => {
  it('resolves auto to OpenRouter when OPENROUTER_API_KEY is set', () => {
    const [sut] = describeLlmProviders(env({ OPENROUTER_API_KEY: 'sk-or-secret', OPENROUTER_BASE_URL: 'http://127.0.0.1:9000/v1', VOXBRIDGE_FAKE_PROVIDERS: '1' }));
    expect(sut).toMatchObject({ stage: 'llm', kind: 'auto', resolved: 'openrouter', target: 'http://127.0.0.1:9000/v1', fake: true });
    expect(JSON.stringify(sut)).not.toContain('sk-or-secret');
  });

  it('resolves auto to Ollama at OLLAMA_BASE_URL without a key', () => {
    const [sut] = describeLlmProviders(env({}));
    expect(sut).toMatchObject({ resolved: 'ollama', target: 'http://127.0.0.1:11434/v1', detail: 'model llama3.2', fake: false });
  });
});
