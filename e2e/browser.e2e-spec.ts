import type { AgentDto, FleetHealthReport, MessageDto, SessionDto } from '@voxbridge/contracts';
import { expectEventually, freePort } from '@voxbridge/testing';
import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { BROWSER_FLEET_BOOT_MS, BrowserFleet } from './support/browser-fleet';
import { microphoneWav } from './support/microphone';

/** What the fake LLM says (tools/launcher/fake-providers.ts). */
const FAKE_REPLY =
  'I am a scripted voice running on fake providers. Point me at a real model, and I will say something smarter. ' +
  'Until then, you can interrupt me whenever you like, and the conversation will remember what you actually heard.';
const FAKE_REPLY_START = 'I am a scripted voice running on fake providers.';
const FAKE_TRANSCRIPTS = ['Hello, who are you?', 'Tell me more about that.', 'Thanks, that is all.'];
const TYPED_TURN = 'What can you do?';

const wordsOf = (text: string): string[] => text.toLowerCase().match(/[a-z]+/g) ?? [];

/** The ids of the conversations listed on the Conversations page, in order. */
async function listedSessionIds(page: Page): Promise<string[]> {
  const hrefs = await page.getByTestId('session-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('href') ?? ''));
  return hrefs.map((href) => decodeURIComponent(href.split('/').pop() ?? ''));
}

/** `fetch` from the page itself, with the key the page signed in with (sessionStorage). */
async function fetchFromPage<T>(page: Page, method: string, path: string, body: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const key = sessionStorage.getItem('voxbridge.apiKey') ?? '';
      const response = await fetch(path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as T };
    },
    { method, path, body },
  );
}

/**
 * Chromium reports every 4xx a page receives as a console error ("Failed to load resource…"): the
 * ones a test provoked on purpose are taken out, anything else stays for `consoleErrors` to show.
 */
function withoutProvoked(errors: string[], status: number): string[] {
  return errors.filter((error) => !error.includes(`the server responded with a status of ${status}`));
}

interface ValidationFailure {
  error: { code: string; message: string; fields?: Record<string, string[]> };
}

/**
 * A person at the web app, in headless Chromium: the fleet runs with `--fake-providers`, a WAV of
 * speech synthesized offline (flite) is the microphone, and the test signs in with the launcher's
 * admin key, talks to the default agent (Auren), interrupts it, and finds the conversation.
 * Assertions are on the DOM, on the page's own counters (`window.__voxbridge`) and on what the API
 * stored — never on pixels.
 */
describe('the web app in a real browser', () => {
  let fleet: BrowserFleet;
  const context = () => fleet.context();
  /** Conversations later tests search, export and leave out: the spoken turn's, and the typed turn's. */
  let spokenSessionId = '';
  let typedSessionId = '';

  beforeAll(async () => {
    fleet = await BrowserFleet.start(['--fake-providers']);
  }, BROWSER_FLEET_BOOT_MS);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('hears what the user says, streams and speaks the answer, and keeps the turn with its latencies', async () => {
    const page = await fleet.openTalk(microphoneWav([{ silenceMs: 1_500 }, { say: 'Hello, who are you?' }, { silenceMs: 20_000 }]));
    await page.getByTestId('mic-button').click();

    const finalTranscript = page.getByTestId('final-transcript').last();
    await expectEventually(async () => expect(FAKE_TRANSCRIPTS).toContain((await finalTranscript.textContent())?.trim()), { timeoutMs: 20_000, context });
    await expectEventually(async () => expect(await page.getByTestId('reply-text').last().textContent()).toContain(FAKE_REPLY_START), {
      timeoutMs: 20_000,
      context,
    });
    // Its voice reached the speaker, and the microphone sent 20 ms frames of 16 kHz PCM16.
    await expectEventually(async () => expect((await fleet.debug(page)).framesPlayed).toBeGreaterThan(50), { timeoutMs: 20_000, context });
    const counters = await fleet.debug(page);
    expect(counters.lastFrameBytes).toBe(640);
    expect(counters.framesSent).toBeGreaterThan(100);
    expect(counters.serviceErrors).toBe(0);
    // The turn ends with its latency breakdown on the page.
    const metrics = page.getByTestId('turn-metrics').last();
    await expectEventually(async () => expect(Number(await metrics.getAttribute('data-total-ms'))).toBeGreaterThan(0), { timeoutMs: 30_000, context });
    await expectEventually(async () => expect(await page.getByTestId('turn-state').getAttribute('data-state')).toBe('listening'), { timeoutMs: 30_000, context });

    // The conversation is in Conversations, with the turn's latencies.
    const sessionId = counters.state.sessionId;
    expect(sessionId).toEqual(expect.any(String));
    spokenSessionId = sessionId ?? '';
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.locator(`[data-testid="session-row"][href$="${sessionId}"]`).click();
    await expectEventually(async () => expect(await page.getByTestId('transcript-message').count()).toBeGreaterThanOrEqual(2), { timeoutMs: 10_000, context });
    expect(await page.getByTestId('transcript-message').first().textContent()).toContain(await finalTranscript.textContent().catch(() => ''));
    expect(await page.getByTestId('message-metrics').count()).toBeGreaterThanOrEqual(1);
    const messages = await fleet.api<MessageDto[]>(`/api/sessions/${sessionId}/messages`);
    expect(messages.find((m) => m.role === 'assistant')).toMatchObject({ interrupted: false, total_latency_ms: expect.any(Number), overhead_ms: expect.any(Number) });
    expect(fleet.consoleErrors).toEqual([]);
  });

  it('stops speaking when the user talks over it, and stores only what was heard', async () => {
    // Speak, let the agent answer for a couple of seconds, then talk over it.
    const page = await fleet.openTalk(
      microphoneWav([{ silenceMs: 1_500 }, { say: 'Tell me something long.' }, { silenceMs: 3_500 }, { say: 'Wait, stop there please.' }, { silenceMs: 20_000 }]),
    );
    await page.getByTestId('mic-button').click();

    await expectEventually(async () => expect((await fleet.debug(page)).interruptionsReceived).toBeGreaterThanOrEqual(1), { timeoutMs: 40_000, context });
    // The agent had been heard; now nothing of its turn is left to play (the fleet pauses the agent at
    // the user's first syllable, so the speaker has usually drained before the interruption is
    // confirmed — whatever is still queued then is thrown away at once).
    const counters = await fleet.debug(page);
    expect(counters.framesPlayed).toBeGreaterThan(0);
    await expectEventually(async () => expect((await fleet.debug(page)).framesBuffered).toBe(0), { timeoutMs: 500, intervalMs: 20, context });
    await expectEventually(async () => expect(await page.locator('[data-testid="turn"][data-status="interrupted"]').count()).toBe(1), { timeoutMs: 10_000, context });

    // The stored reply is cut where the user interrupted: a non-empty prefix of what the agent was saying.
    const sessionId = counters.state.sessionId ?? '';
    const interrupted = await expectEventually(async () => {
      const found = (await fleet.api<MessageDto[]>(`/api/sessions/${sessionId}/messages`)).filter((m) => m.role === 'assistant' && m.interrupted);
      expect(found).toHaveLength(1);
      return found[0] as MessageDto;
    }, { timeoutMs: 20_000, context });
    expect(interrupted.content.length).toBeGreaterThan(0);
    expect(FAKE_REPLY.startsWith(interrupted.content.trim())).toBe(true);
    expect(interrupted.content.trim().length).toBeLessThan(FAKE_REPLY.length);
    const session = await fleet.api<SessionDto>(`/api/sessions/${sessionId}`);
    expect(session.session_type).toBe('webrtc');
    expect(fleet.consoleErrors).toEqual([]);
  });

  it('takes a typed turn in the voice call, mutes the microphone, ends the call, and ends the session when the tab closes', async () => {
    const page = await fleet.openTalk(microphoneWav([{ silenceMs: 60_000 }]));
    expect(await page.title()).toBe('Talk · VoxBridge');
    await page.getByTestId('mic-button').click();
    await expectEventually(async () => expect(await page.getByTestId('turn-state').getAttribute('data-state')).toBe('listening'), { timeoutMs: 20_000, context });

    // A typed turn in the same conversation: shown as the user's words, answered in text and voice.
    await page.getByLabel('Message to the agent').fill(TYPED_TURN);
    await page.getByTestId('send-text').click();
    await expectEventually(async () => expect(await page.getByTestId('reply-text').last().textContent()).toContain(FAKE_REPLY_START), { timeoutMs: 20_000, context });
    const sessionId = (await fleet.debug(page)).state.sessionId ?? '';
    await expectEventually(async () => {
      const messages = await fleet.api<MessageDto[]>(`/api/sessions/${sessionId}/messages`);
      expect(messages.filter((m) => m.role === 'user').map((m) => m.content)).toContain(TYPED_TURN);
    }, { timeoutMs: 20_000, context });
    typedSessionId = sessionId;

    // Mute: the microphone's frames stop reaching the fleet, and are counted as muted instead.
    await page.getByTestId('mute-button').click();
    expect(await page.getByTestId('mute-button').getAttribute('aria-pressed')).toBe('true');
    const muted = await fleet.debug(page);
    await expectEventually(async () => expect((await fleet.debug(page)).framesMuted).toBeGreaterThan(muted.framesMuted + 10), { timeoutMs: 10_000, context });
    expect((await fleet.debug(page)).framesSent).toBe(muted.framesSent);
    await page.getByTestId('mute-button').click();

    // End call: the page says the call ended, and the session is ended.
    await page.getByRole('button', { name: /End call/ }).click();
    await expectEventually(async () => expect(await page.getByTestId('connection-status').getAttribute('data-in-call')).toBe('false'), { timeoutMs: 10_000, context });
    expect(await page.getByTestId('connection-status').textContent()).not.toContain('Talking with');
    await expectEventually(async () => expect((await fleet.api<SessionDto>(`/api/sessions/${sessionId}`)).active).toBe(false), { timeoutMs: 10_000, context });

    // A new call, then the tab closes without End call: the session ends all the same.
    await page.getByTestId('mic-button').click();
    await expectEventually(async () => expect((await fleet.debug(page)).state.sessionId).not.toBe(sessionId), { timeoutMs: 20_000, context });
    await expectEventually(async () => expect(await page.getByTestId('turn-state').getAttribute('data-state')).toBe('listening'), { timeoutMs: 20_000, context });
    const second = (await fleet.debug(page)).state.sessionId ?? '';
    await page.close({ runBeforeUnload: true });
    await expectEventually(async () => expect((await fleet.api<SessionDto>(`/api/sessions/${second}`)).active).toBe(false), { timeoutMs: 10_000, context });
    expect(fleet.consoleErrors).toEqual([]);
  });
});


/**
 * Out of the box, with no provider configured: the seeded agent's `auto` providers pick the
 * offline engines — pocketsphinx hears the real sentence — and, with no LLM reachable (an Ollama
 * address where nothing listens), the page says which provider failed and how to configure it,
 * and the agent says sorry in flite's voice instead of staying silent.
 */
describe('the web app out of the box, with no provider configured', () => {
  let fleet: BrowserFleet;

  beforeAll(async () => {
    const unset = { OPENROUTER_API_KEY: undefined, WHISPERX_URL: undefined, STT_OPENAI_BASE_URL: undefined, CHATTERBOX_URL: undefined, OPENAI_TTS_URL: undefined };
    fleet = await BrowserFleet.start([], { ...unset, OLLAMA_BASE_URL: `http://127.0.0.1:${await freePort()}/v1` });
  }, BROWSER_FLEET_BOOT_MS);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('hears real speech offline and says which provider is missing', async () => {
    const page = await fleet.openTalk(microphoneWav([{ silenceMs: 1_500 }, { say: 'what time is it in london' }, { silenceMs: 15_000 }]));
    await page.getByTestId('mic-button').click();

    await expectEventually(async () => expect((await page.getByTestId('final-transcript').last().textContent())?.trim()).toBe('what time is it in london'), {
      timeoutMs: 30_000,
      context: fleet.context,
    });
    const banner = page.getByTestId('error-banner');
    await expectEventually(async () => expect(await banner.textContent()).toMatch(/Ollama at http:\/\/127\.0\.0\.1:\d+\/v1.*OPENROUTER_API_KEY/), {
      timeoutMs: 30_000,
      context: fleet.context,
    });
    // The apology is spoken, not only written.
    await expectEventually(async () => expect((await fleet.debug(page)).framesPlayed).toBeGreaterThan(25), { timeoutMs: 20_000, context: fleet.context });
  });
});
