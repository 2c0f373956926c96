import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageDto, SessionDto } from '../api/api-types';
import { API_KEY_STORAGE, AuthGate } from '../auth/auth';
import { apiError, fakeFetch, json, type RecordedRequest, type Reply } from '../test-support';
import { TranscriptPage } from './transcript-page';

const AGENT = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';
const SESSION = '0b7e4a52-9d0e-4d0b-8f7a-3c2e9a1d5e60';

const SESSION_DTO: SessionDto = {
  id: SESSION,
  user_id: 'key:2b4f356b',
  user_name: 'Ada',
  title: 'Capital of France',
  agent_id: AGENT,
  active: false,
  started_at: '2026-12-04T10:00:00.000Z',
  ended_at: '2026-12-04T10:05:00.000Z',
  session_type: 'webrtc',
  session_metadata: {},
  message_count: 2,
};

function message(overrides: Partial<MessageDto>): MessageDto {
  return {
    id: 'm1',
    session_id: SESSION,
    turn_id: 't1',
    role: 'user',
    content: '',
    speaker: null,
    created_at: '2026-12-04T10:01:00.000Z',
    stt_latency_ms: null,
    llm_ttft_ms: null,
    tts_ttfb_ms: null,
    total_latency_ms: null,
    overhead_ms: null,
    interrupted: false,
    provider: null,
    model: null,
    timeline: null,
    ...overrides,
  };
}

const FAILED_TURN = [
  message({ id: 'm1', role: 'user', content: 'what is the capital of france' }),
  message({
    id: 'm2',
    role: 'assistant',
    content: 'Sorry, I could not answer that just now.',
    error: { stage: 'llm', provider: 'ollama', code: 'provider_unreachable', message: 'Ollama did not answer at http://127.0.0.1:11434' },
  }),
];

function renderTranscript(route: (request: RecordedRequest) => Reply | undefined = () => undefined, messages: MessageDto[] = FAILED_TURN) {
  sessionStorage.setItem(API_KEY_STORAGE, 'vbk_test');
  const api = fakeFetch((request) => {
    if (request.path === '/api/agents') return json(200, [{ id: AGENT, name: 'Auren', is_default: true, plugins: {} }]);
    if (request.path === `/api/sessions/${SESSION}`) return json(200, SESSION_DTO);
    if (request.path.startsWith(`/api/sessions/${SESSION}/messages`)) return json(200, messages);
    return route(request);
  });
  render(
    <AuthGate fetchFn={api.fetchFn}>
      <TranscriptPage sessionId={SESSION} />
    </AuthGate>,
  );
  return api;
}

describe(TranscriptPage.name, () => {
  describe('a failed turn', () => {
    it('shows the user words, then the answer marked failed with stage, provider, code and message, and what was said instead', async () => {
      renderTranscript();

      const failed = await screen.findByTestId('failed-turn');
      const rows = screen.getAllByTestId('transcript-message');
      expect(rows.map((row) => [row.getAttribute('data-role'), row.getAttribute('data-failed')])).toEqual([
        ['user', null],
        ['assistant', 'true'],
      ]);
      expect(rows[0]?.textContent).toContain('what is the capital of france');
      expect(failed.getAttribute('aria-label')).toBe('Failed answer');
      expect(failed.textContent).toContain('Failed');
      expect(screen.getByTestId('failed-turn-summary').textContent).toBe('The language model (LLM) failed · provider ollama · code provider_unreachable');
      expect(screen.getByTestId('failed-turn-message').textContent).toBe('Ollama did not answer at http://127.0.0.1:11434');
      expect(screen.getByTestId('failed-turn-said').textContent).toBe('Said instead: Sorry, I could not answer that just now.');
      expect(screen.queryByText('No messages yet.')).toBeNull();
    });

    it('says when nothing was said instead and no provider was tried', async () => {
      renderTranscript(undefined, [message({ id: 'm2', role: 'assistant', content: '', error: { stage: 'tts', provider: null, code: 'no_provider', message: null } })]);

      expect((await screen.findByTestId('failed-turn-summary')).textContent).toBe('Speech synthesis (TTS) failed · provider none · code no_provider');
      expect(screen.getByTestId('failed-turn-said').textContent).toBe('Nothing was said instead.');
      expect(screen.queryByTestId('failed-turn-message')).toBeNull();
    });

    it('shows a turn without an error as an ordinary answer', async () => {
      renderTranscript(undefined, [message({ id: 'm2', role: 'assistant', content: 'Paris.', error: null })]);

      await waitFor(() => expect(screen.getByTestId('transcript-message').textContent).toContain('Paris.'));
      expect(screen.queryByTestId('failed-turn')).toBeNull();
    });
  });

  describe('export', () => {
    const saved: Array<{ href: string; download: string }> = [];
    const blobs: Blob[] = [];

    beforeEach(() => {
      saved.length = 0;
      blobs.length = 0;
      vi.stubGlobal('URL', Object.assign(Object.create(URL) as typeof URL, { createObjectURL: (blob: Blob) => (blobs.push(blob), `blob:vb/${blobs.length}`), revokeObjectURL: () => undefined }));
      vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
        saved.push({ href: this.getAttribute('href') ?? '', download: this.download });
      });
    });

    afterEach(() => {
      vi.unstubAllGlobals();
      vi.restoreAllMocks();
    });

    it('downloads JSON and text through the API with the key in the Authorization header', async () => {
      const api = renderTranscript((request) => {
        if (request.path === `/api/sessions/${SESSION}/export?format=json`) return json(200, { session: SESSION_DTO, messages: FAILED_TURN });
        if (request.path === `/api/sessions/${SESSION}/export?format=text`) return { status: 200, raw: 'User: what is the capital of france\n', contentType: 'text/plain' };
        return undefined;
      });

      fireEvent.click(await screen.findByRole('button', { name: 'Export JSON' }));
      await waitFor(() => expect(saved).toHaveLength(1));
      fireEvent.click(screen.getByRole('button', { name: 'Export text' }));
      await waitFor(() => expect(saved).toHaveLength(2));

      expect(saved).toEqual([
        { href: 'blob:vb/1', download: `conversation-${SESSION}.json` },
        { href: 'blob:vb/2', download: `conversation-${SESSION}.txt` },
      ]);
      expect(await blobs[1]?.text()).toBe('User: what is the capital of france\n');
      expect(JSON.parse((await blobs[0]?.text()) ?? '')).toMatchObject({ session: { id: SESSION } });
      const exports = api.requests.filter((request) => request.path.includes('/export'));
      expect(exports.map((request) => [request.method, request.headers['Authorization']])).toEqual([
        ['GET', 'Bearer vbk_test'],
        ['GET', 'Bearer vbk_test'],
      ]);
    });

    it('says why an export failed and downloads nothing', async () => {
      renderTranscript((request) => (request.path.includes('/export') ? apiError(404, 'not_found', 'No such conversation.') : undefined));

      fireEvent.click(await screen.findByRole('button', { name: 'Export text' }));

      await waitFor(() => expect(screen.getByTestId('export-error').textContent).toContain('Could not export the conversation: No such conversation.'));
      expect(saved).toHaveLength(0);
    });
  });
});
