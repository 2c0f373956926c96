import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthGate, API_KEY_STORAGE } from '../auth/auth';
import { apiError, fakeFetch, json, sse, type RecordedRequest, type Reply } from '../test-support';
import { TalkPage } from './talk-page';
import { MICROPHONE_STORAGE, VOLUME_STORAGE } from './talk-settings';
import { fakeVoiceDeps, type FakeSocket } from './talk-test-fakes';
import { TalkDepsContext } from './use-talk';

const AGENT = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';
const SESSION = '0b7e4a52-9d0e-4d0b-8f7a-3c2e9a1d5e60';
const TEXT_TURN = '22222222-2222-4222-8222-222222222222';
const AGENTS = [{ id: AGENT, name: 'Auren', is_default: true, plugins: {} }];
const READY = { session_id: SESSION, agent_id: AGENT, agent_name: 'Auren', input_sample_rate: 16000, output_sample_rate: 24000, frame_ms: 20, resumed: false };

const MICROPHONES = [
  { kind: 'audioinput', deviceId: 'default', label: 'Default', groupId: 'g0' },
  { kind: 'audioinput', deviceId: 'built-in', label: 'Built-in Microphone', groupId: 'g1' },
  { kind: 'audioinput', deviceId: 'usb-mic', label: 'USB Microphone', groupId: 'g2' },
  { kind: 'audiooutput', deviceId: 'speakers', label: 'Speakers', groupId: 'g1' },
];

beforeEach(() => {
  Object.defineProperty(navigator, 'mediaDevices', {
    configurable: true,
    value: { enumerateDevices: async () => MICROPHONES, addEventListener: () => undefined, removeEventListener: () => undefined },
  });
});

afterEach(() => {
  localStorage.clear();
  vi.useRealTimers();
});

function renderTalk(chat: (request: RecordedRequest) => Reply | undefined = () => undefined) {
  sessionStorage.setItem(API_KEY_STORAGE, 'vbk_test');
  const api = fakeFetch((request) => (request.path === '/api/agents' ? json(200, AGENTS) : chat(request)));
  const voice = fakeVoiceDeps();
  render(
    <AuthGate fetchFn={api.fetchFn}>
      <TalkDepsContext.Provider value={() => voice.deps}>
        <TalkPage requestedAgentId={null} />
      </TalkDepsContext.Provider>
    </AuthGate>,
  );
  return { ...voice, requests: api.requests };
}

async function startCall(env: ReturnType<typeof renderTalk>): Promise<FakeSocket> {
  await waitFor(() => expect(screen.getByRole('option', { name: 'Auren (default)' })).toBeTruthy());
  fireEvent.click(screen.getByRole('button', { name: /Start talking/ }));
  await waitFor(() => expect(env.sockets).toHaveLength(1));
  const socket = env.sockets[0] as FakeSocket;
  act(() => socket.event('ready', READY));
  return socket;
}

describe(TalkPage.name, () => {
  it('lists the microphones, remembers the choice and opens the call with it', async () => {
    const env = renderTalk();
    const picker = (await screen.findByLabelText('Microphone')) as HTMLSelectElement;
    await waitFor(() => expect(screen.getByRole('option', { name: 'USB Microphone' })).toBeTruthy());
    expect([...picker.options].map((o) => o.textContent)).toEqual(['System default', 'Built-in Microphone', 'USB Microphone']);

    fireEvent.change(picker, { target: { value: 'usb-mic' } });
    expect(localStorage.getItem(MICROPHONE_STORAGE)).toBe('usb-mic');
    await startCall(env);
    expect(env.audios[0]?.options.microphoneId).toBe('usb-mic');

    fireEvent.change(picker, { target: { value: 'built-in' } });
    await waitFor(() => expect(env.audios[0]?.microphoneId).toBe('built-in'));
  });

  it('picks the remembered microphone and volume on a new visit', async () => {
    localStorage.setItem(MICROPHONE_STORAGE, 'usb-mic');
    localStorage.setItem(VOLUME_STORAGE, '0.25');
    const env = renderTalk();
    await waitFor(() => expect((screen.getByLabelText('Microphone') as HTMLSelectElement).value).toBe('usb-mic'));
    expect((screen.getByLabelText('Volume') as HTMLInputElement).value).toBe('25');
    await startCall(env);
    expect(env.audios[0]?.options).toEqual({ microphoneId: 'usb-mic', outputVolume: 0.25 });
  });

  it('has End call, Mute and Interrupt instead of two Stop buttons, and mute stops the audio frames', async () => {
    const env = renderTalk();
    const socket = await startCall(env);
    expect(screen.queryByRole('button', { name: /Stop/ })).toBeNull();
    expect(screen.getByRole('button', { name: /End call/ })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Interrupt' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    expect(screen.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('muted-badge').textContent).toContain('the agent hears nothing');
    expect(screen.getByTestId('turn-state').textContent).toBe('Muted');
    env.audios[0]?.handlers.onFrame(new ArrayBuffer(640));
    expect(socket.sent).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Unmute' }));
    env.audios[0]?.handlers.onFrame(new ArrayBuffer(640));
    expect(socket.sent).toHaveLength(1);

    act(() => socket.event('turn_state', { turn_id: TEXT_TURN, state: 'speaking' }));
    fireEvent.click(screen.getByRole('button', { name: 'Interrupt' }));
    expect(socket.sent).toContain(JSON.stringify({ type: 'interrupt' }));
  });

  it('shows the microphone level while the call is open', async () => {
    const env = renderTalk();
    await startCall(env);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    // The meter's interval started before the clock was faked: restart it on the fake clock.
    fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    fireEvent.click(screen.getByRole('button', { name: 'Unmute' }));
    const audio = env.audios[0];
    if (!audio) throw new Error('no audio');
    audio.level = 0.25;
    act(() => vi.advanceTimersByTime(100));
    expect(Number(screen.getByRole('meter', { name: 'Microphone level' }).getAttribute('aria-valuenow'))).toBe(80);
    fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    act(() => vi.advanceTimersByTime(100));
    expect(screen.getByRole('meter', { name: 'Microphone level' }).getAttribute('aria-valuetext')).toBe('muted');
  });

  it('changes the output volume of the open call and remembers it', async () => {
    const env = renderTalk();
    await startCall(env);
    fireEvent.change(screen.getByLabelText('Volume'), { target: { value: '40' } });
    expect(env.audios[0]?.volume).toBe(0.4);
    expect(localStorage.getItem(VOLUME_STORAGE)).toBe('0.4');
  });

  it('sends a typed message as a text turn in the same conversation and shows its reply as it streams on the voice socket', async () => {
    const env = renderTalk((request) =>
      request.path === `/api/sessions/${SESSION}/chat`
        ? sse([
            { event: 'delta', data: { text: 'Rome.' } },
            { event: 'done', data: { text: 'The capital of Italy is Rome.', turn_id: TEXT_TURN, provider: 'fake', model: 'fake', llm_ttft_ms: 5 } },
          ])
        : undefined,
    );
    const socket = await startCall(env);
    act(() => socket.event('ai_response_chunk', { turn_id: 'earlier-voice-turn', text: '' }));

    fireEvent.change(screen.getByLabelText('Message to the agent'), { target: { value: 'What is the capital of Italy?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect((screen.getByLabelText('Message to the agent') as HTMLInputElement).value).toBe('');
    expect(screen.getAllByTestId('final-transcript').at(-1)?.textContent).toBe('What is the capital of Italy?');
    act(() => socket.event('ai_response_chunk', { turn_id: TEXT_TURN, text: 'The capital of Italy' }));
    expect(screen.getAllByTestId('reply-text').at(-1)?.textContent).toBe('The capital of Italy');

    await waitFor(() => expect(screen.getAllByTestId('reply-text').at(-1)?.textContent).toBe('The capital of Italy is Rome.'));
    const chat = env.requests.find((r) => r.path === `/api/sessions/${SESSION}/chat`);
    expect(chat).toMatchObject({ method: 'POST', body: { content: 'What is the capital of Italy?' } });
    expect(chat?.headers['Accept']).toBe('text/event-stream');
    expect(screen.getAllByTestId('turn').at(-1)?.getAttribute('data-turn-id')).toBe(TEXT_TURN);
  });

  it('says why a typed message was not answered', async () => {
    const env = renderTalk((request) =>
      request.path.endsWith('/chat') ? sse([{ event: 'error', data: { code: 'provider_unavailable', message: 'Ollama did not answer' } }]) : undefined,
    );
    await startCall(env);
    fireEvent.change(screen.getByLabelText('Message to the agent'), { target: { value: 'hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.getAttribute('data-code')).toBe('provider_unavailable');
    expect(banner.textContent).toContain('Ollama did not answer');
  });

  it('says why a typed message was refused by the API', async () => {
    const env = renderTalk((request) => (request.path.endsWith('/chat') ? apiError(503, 'unavailable', 'llm-router is not running') : undefined));
    await startCall(env);
    fireEvent.change(screen.getByLabelText('Message to the agent'), { target: { value: 'hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.getAttribute('data-code')).toBe('unavailable');
    expect(banner.textContent).toContain('llm-router is not running');
  });

  it('offers typing only during a call', async () => {
    renderTalk();
    await waitFor(() => expect(screen.getByRole('option', { name: 'Auren (default)' })).toBeTruthy());
    expect((screen.getByLabelText('Message to the agent') as HTMLInputElement).disabled).toBe(true);
  });

  it('stops saying "Talking with" once the call has ended', async () => {
    const env = renderTalk();
    await startCall(env);
    expect(screen.getByTestId('connection-status').textContent).toContain('Talking with Auren.');
    fireEvent.click(screen.getByRole('button', { name: /End call/ }));
    const status = screen.getByTestId('connection-status');
    expect(status.textContent).not.toContain('Talking with');
    expect(status.textContent).toContain('The call with Auren has ended.');
    expect(screen.getByRole('button', { name: /Start talking/ })).toBeTruthy();
  });

  it('puts only the newest complete message in the live region', async () => {
    const env = renderTalk();
    const socket = await startCall(env);
    const live = screen.getByTestId('live-announcement');
    expect(live.getAttribute('aria-live')).toBe('polite');
    expect(screen.getByRole('region', { name: 'Conversation' }).getAttribute('aria-live')).toBeNull();
    act(() => socket.event('final_transcript', { utterance_id: 'u1', text: 'hello there' }));
    expect(live.textContent).toBe('You: hello there');
    act(() => socket.event('ai_response_chunk', { turn_id: TEXT_TURN, text: 'Hi' }));
    expect(live.textContent).toBe('You: hello there');
    act(() => socket.event('turn_metrics', { turn_id: TEXT_TURN, interrupted: false }));
    expect(live.textContent).toBe('Auren: Hi');
  });

  describe('a failed turn', () => {
    /** `/ws/events` (the voice socket is a fake of its own): the page's live-event sockets, to push events through. */
    class FakeLiveSocket {
      static opened: FakeLiveSocket[] = [];
      onopen: (() => void) | null = null;
      onmessage: ((message: { data: string }) => void) | null = null;
      onclose: (() => void) | null = null;
      constructor(readonly url: string) {
        FakeLiveSocket.opened.push(this);
      }
      readonly sent: unknown[] = [];
      closed = false;
      send(data: unknown): void {
        this.sent.push(data);
      }
      close(): void {
        this.closed = true;
      }
      push(event: string, data: unknown): void {
        this.onmessage?.({ data: JSON.stringify({ event, data }) });
      }
    }

    beforeEach(() => {
      FakeLiveSocket.opened = [];
      vi.stubGlobal('WebSocket', FakeLiveSocket);
    });

    afterEach(() => {
      vi.unstubAllGlobals();
    });

    const stored = (role: 'user' | 'assistant', content: string, extra: object = {}) => ({
      id: `${role}-1`,
      session_id: SESSION,
      turn_id: TEXT_TURN,
      role,
      content,
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
      ...extra,
    });

    it('shows the words, the answer marked failed (stage, provider, code, message) and the apology that was spoken', async () => {
      const env = renderTalk();
      const socket = await startCall(env);
      const live = FakeLiveSocket.opened.find((opened) => opened.url.includes('/ws/events'));
      act(() => socket.event('final_transcript', { utterance_id: 'u1', text: 'what is the capital of france' }));
      act(() => socket.event('service_error', { code: 'provider_unreachable', message: 'Ollama did not answer', turn_id: TEXT_TURN, service: 'llm-gateway' }));

      act(() =>
        live?.push('turn_committed', {
          session_id: SESSION,
          messages: [
            stored('user', 'what is the capital of france'),
            stored('assistant', 'Sorry, I could not answer that just now.', { error: { stage: 'llm', provider: 'ollama', code: 'provider_unreachable', message: 'Ollama did not answer' } }),
          ],
        }),
      );

      const turn = screen.getAllByTestId('turn').at(-1) as HTMLElement;
      expect(turn.getAttribute('data-failed')).toBe('true');
      expect(turn.querySelector('[data-testid="final-transcript"]')?.textContent).toBe('what is the capital of france');
      expect(turn.querySelector('[data-testid="failed-turn-summary"]')?.textContent).toBe('The language model (LLM) failed · provider ollama · code provider_unreachable');
      expect(turn.querySelector('[data-testid="failed-turn-message"]')?.textContent).toBe('Ollama did not answer');
      expect(turn.querySelector('[data-testid="failed-turn-said"]')?.textContent).toBe('Said instead: Sorry, I could not answer that just now.');
      expect(screen.getByTestId('live-announcement').textContent).toBe(
        'Auren: The language model (LLM) failed · provider ollama · code provider_unreachable. Said instead: Sorry, I could not answer that just now.',
      );
    });

    it('ignores turns of other conversations', async () => {
      const env = renderTalk();
      await startCall(env);
      const live = FakeLiveSocket.opened.find((opened) => opened.url.includes('/ws/events'));

      act(() =>
        live?.push('turn_committed', {
          messages: [{ ...stored('assistant', 'Sorry.', { error: { stage: 'tts', provider: 'flite', code: 'tts_failed', message: null } }), session_id: '99999999-9999-4999-8999-999999999999' }],
        }),
      );

      expect(screen.queryByTestId('failed-turn')).toBeNull();
    });
  });

  it('ends the call with `end` when the page is hidden (tab closed, site left)', async () => {
    const env = renderTalk();
    const socket = await startCall(env);
    act(() => {
      window.dispatchEvent(new Event('pagehide'));
    });
    expect(socket.sent).toContain(JSON.stringify({ type: 'end' }));
    expect(env.audios[0]?.closed).toBe(true);
    expect(screen.getByRole('button', { name: /Start talking/ })).toBeTruthy();
  });

  it('ends the conversation through the API when the page is hidden between two sockets', async () => {
    const env = renderTalk((request) => (request.method === 'PATCH' ? json(200, {}) : undefined));
    const socket = await startCall(env);
    act(() => socket.drop(1006));
    await waitFor(() => expect(screen.getByTestId('turn-state').getAttribute('data-state')).toBe('reconnecting'));
    act(() => {
      window.dispatchEvent(new Event('pagehide'));
    });
    await waitFor(() => expect(env.requests.filter((request) => request.method === 'PATCH')).toHaveLength(1));
    expect(env.requests.find((request) => request.method === 'PATCH')).toMatchObject({ path: `/api/sessions/${SESSION}`, body: { active: false }, keepalive: true });
  });

  it('does not end the call when the tab is only hidden (a call goes on in a background tab)', async () => {
    const env = renderTalk();
    const socket = await startCall(env);
    Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
    act(() => {
      document.dispatchEvent(new Event('visibilitychange'));
    });
    Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'visible' });
    expect(socket.sent).not.toContain(JSON.stringify({ type: 'end' }));
    expect(screen.getByRole('button', { name: /End call/ })).toBeTruthy();
  });

  it('strikes through what was not spoken of an interrupted reply and says so in words', async () => {
    const env = renderTalk();
    const socket = await startCall(env);
    act(() => socket.event('final_transcript', { utterance_id: 'u1', text: 'tell me about Rome' }));
    act(() => socket.event('ai_response_chunk', { turn_id: TEXT_TURN, text: 'Rome is the capital of Italy.' }));
    act(() => socket.event('turn_state', { turn_id: TEXT_TURN, state: 'interrupted', heard_text: 'Rome is' }));

    expect(screen.getAllByTestId('reply-text').at(-1)?.querySelector('.unheard')?.textContent).toBe(' the capital of Italy.');
    expect(screen.getAllByTestId('turn').at(-1)?.textContent).toContain('Interrupted Struck through: not spoken.');
  });
});
