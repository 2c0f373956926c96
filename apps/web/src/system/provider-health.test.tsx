import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ProviderState } from '../api/api-types';
import { ProviderHealth } from './provider-health';

const state = (overrides: Partial<ProviderState>): ProviderState => ({
  stage: 'llm',
  kind: 'auto',
  resolved: 'ollama',
  target: 'http://127.0.0.1:11434/v1',
  reachable: true,
  checked_at: '2026-12-04T10:00:00.000Z',
  ...overrides,
});

describe(ProviderHealth.name, () => {
  it('shows per stage what auto resolves to, where, and whether it answers in words', () => {
    render(
      <ProviderHealth
        fake={false}
        providers={[
          state({ stage: 'stt', resolved: 'local', target: 'local', detail: 'pocketsphinx' }),
          state({ reachable: false, detail: 'ECONNREFUSED' }),
          state({ stage: 'tts', resolved: 'chatterbox', target: 'http://127.0.0.1:4123', reachable: null, checked_at: null }),
        ]}
      />,
    );
    const [stt, llm, tts] = screen.getAllByTestId('provider-health') as [HTMLElement, HTMLElement, HTMLElement];
    const rows = [stt, llm, tts];
    expect(rows.map((row) => row.getAttribute('data-stage'))).toEqual(['stt', 'llm', 'tts']);
    expect(within(stt).getByRole('rowheader').textContent).toBe('Speech to text');
    expect(stt.textContent).toContain('local · pocketsphinx');
    expect(stt.textContent).toContain('answers');
    expect(llm.textContent).toContain('ollama');
    expect(llm.textContent).toContain('http://127.0.0.1:11434/v1');
    expect(llm.textContent).toContain('not reachable (ECONNREFUSED)');
    expect(tts.textContent).toContain('not checked yet');
    expect(screen.queryByTestId('fake-providers')).toBeNull();
  });

  it('says plainly when the fleet runs on fake providers', () => {
    render(<ProviderHealth fake providers={[state({ resolved: 'openrouter', fake: true })]} />);
    expect(screen.getByTestId('fake-providers').textContent).toContain('Fake providers are on.');
    expect(screen.getByTestId('provider-health').textContent).toContain('openrouter (fake)');
  });

  it('says when no worker described its providers', () => {
    render(<ProviderHealth fake={false} providers={[]} />);
    expect(screen.getByTestId('providers-empty').textContent).toContain('No pipeline worker described its providers');
  });
});
