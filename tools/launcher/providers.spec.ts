import type { ProviderState } from '@voxbridge/contracts';
import { missingStages, providerLines } from './providers';

const state = (overrides: Partial<ProviderState>): ProviderState => ({
  stage: 'llm',
  kind: 'auto',
  resolved: 'ollama',
  target: 'http://127.0.0.1:11434/v1',
  reachable: true,
  checked_at: '2026-12-04T10:00:00.000Z',
  ...overrides,
});

describe(providerLines.name, () => {
  it('prints one line per stage in pipeline order, saying whether each answers', () => {
    const sut = providerLines([
      state({ reachable: false, detail: 'ECONNREFUSED' }),
      state({ stage: 'tts', resolved: 'chatterbox', target: 'http://127.0.0.1:40123', fake: true }),
      state({ stage: 'stt', resolved: 'local', target: 'local', detail: 'pocketsphinx' }),
    ]);
    expect(sut).toEqual([
      'stt: pocketsphinx (local) — ok',
      'llm: ollama at http://127.0.0.1:11434/v1 — not reachable (ECONNREFUSED)',
      'tts: chatterbox at http://127.0.0.1:40123 — ok (fake)',
    ]);
  });

  it('names a missing local engine by what was looked for', () => {
    expect(providerLines([state({ stage: 'tts', resolved: 'local', target: 'local', reachable: false, detail: 'flite or espeak-ng not found on PATH' })])).toEqual([
      'tts: local (local) — not reachable (flite or espeak-ng not found on PATH)',
    ]);
  });

  it('says when a provider was not checked yet', () => {
    expect(providerLines([state({ reachable: null, checked_at: null })])).toEqual(['llm: ollama at http://127.0.0.1:11434/v1 — not checked yet']);
  });
});

describe(missingStages.name, () => {
  it('names the stages no worker described', () => {
    expect(missingStages([state({})])).toEqual(['stt', 'tts']);
  });
});
