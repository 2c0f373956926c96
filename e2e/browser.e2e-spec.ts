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
      const storage = (globalThis as unknown as { sessionStorage: { getItem(name: string): string | null } }).sessionStorage;
      const key = storage.getItem('voxbridge.apiKey') ?? '';
      const response = await fetch(path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as T };
    },
    { method, path, body },
  );
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

  it('shows on the System page what each stage’s auto provider is, that it answers, and that fake providers are on', async () => {
    const page = await fleet.openApp();
    await page.getByRole('link', { name: 'System' }).click();

    await expectEventually(async () => expect(await page.getByTestId('fake-providers').textContent()).toContain('Fake providers are on.'), { timeoutMs: 20_000, context });
    // Each stage's row says what auto resolved to on its worker (as the API reports it) and that it answered its check.
    const report = await expectEventually(async () => {
      const health = await fleet.api<FleetHealthReport>('/api/fleet/health');
      expect(health.fake_providers).toBe(true);
      expect(health.providers.map((p) => [p.stage, p.reachable]).sort()).toEqual([
        ['llm', true],
        ['stt', true],
        ['tts', true],
      ]);
      return health;
    }, { timeoutMs: 60_000, intervalMs: 1_000, context });
    for (const provider of report.providers) {
      const row = page.locator(`[data-testid="provider-health"][data-stage="${provider.stage}"]`);
      await expectEventually(async () => expect(await row.getAttribute('data-reachable')).toBe('true'), { timeoutMs: 30_000, intervalMs: 200, context });
      const cells = await row.locator('td').allTextContents();
      expect(provider.fake).toBe(true);
      expect(cells[0]?.trim()).toBe(`${provider.resolved} (fake)`);
      expect(cells[2]?.trim()).toBe('answers');
    }
    expect(fleet.consoleErrors).toEqual([]);
  });

  it('finds the spoken conversation by a word the user said, and exports its transcript as JSON and as text', async () => {
    const messages = await fleet.api<MessageDto[]>(`/api/sessions/${spokenSessionId}/messages`);
    const said = messages.find((m) => m.role === 'user')?.content ?? '';
    const answer = messages.find((m) => m.role === 'assistant')?.content ?? '';
    // A word the user said that neither the agent's reply nor the typed conversation contains.
    const elsewhere = new Set([...wordsOf(FAKE_REPLY), ...wordsOf(TYPED_TURN)]);
    const word = wordsOf(said).find((w) => !elsewhere.has(w)) ?? '';
    expect(word).not.toBe('');
    expect(typedSessionId).not.toBe('');

    const page = await fleet.openApp();
    await page.getByRole('link', { name: 'Conversations' }).click();
    await expectEventually(async () => expect(await listedSessionIds(page)).toEqual(expect.arrayContaining([spokenSessionId, typedSessionId])), {
      timeoutMs: 10_000,
      context,
    });

    // The search goes to the API (`q`), and the page lists what it answered: the spoken conversation, not the typed one.
    const searched = page.waitForRequest((request) => {
      const url = new URL(request.url());
      return url.pathname === '/api/sessions' && url.searchParams.get('q') === word;
    });
    await page.getByTestId('conversation-search').fill(word);
    await searched;
    const found = await fleet.api<{ items: SessionDto[] }>(`/api/sessions?q=${encodeURIComponent(word)}`);
    expect(found.items.map((session) => session.id)).toContain(spokenSessionId);
    await expectEventually(async () => expect(await listedSessionIds(page)).toEqual(found.items.map((session) => session.id)), { timeoutMs: 10_000, context });
    expect(await listedSessionIds(page)).not.toContain(typedSessionId);

    // Its transcript page exports the messages, as JSON and as text.
    await page.locator(`[data-testid="session-row"][href$="${spokenSessionId}"]`).click();
    await expectEventually(async () => expect(await page.getByTestId('transcript-message').first().textContent()).toContain(said), { timeoutMs: 10_000, context });
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
    expect(json.suggestedFilename()).toBe(`conversation-${spokenSessionId}.json`);
    const exported = JSON.parse(readFileSync(await json.path(), 'utf8')) as { session: SessionDto; messages: MessageDto[] };
    expect(exported.session.id).toBe(spokenSessionId);
    expect(exported.messages.map((m) => [m.role, m.content])).toEqual(messages.map((m) => [m.role, m.content]));
    expect(exported.messages.map((m) => m.content)).toContain(said);

    const [text] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-text').click()]);
    expect(text.suggestedFilename()).toBe(`conversation-${spokenSessionId}.txt`);
    const transcript = readFileSync(await text.path(), 'utf8');
    expect(transcript).toContain(`: ${said}`);
    expect(transcript).toContain(`Auren: ${answer}`);
    expect(fleet.consoleErrors).toEqual([]);
  });

  it('refuses an unknown provider naming the field and its choices, and the agent form offers only those choices', async () => {
    const page = await fleet.openApp();
    await page.getByRole('link', { name: 'Agents' }).click();
    const agents = await fleet.api<AgentDto[]>('/api/agents');
    const auren = agents.find((agent) => agent.name === 'Auren');
    expect(auren).toMatchObject({ name: 'Auren', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await page.getByRole('button', { name: 'Edit Auren' }).click();

    for (const [field, unknown] of [
      ['stt_provider', 'google'],
      ['tts_provider', 'elevenlabs'],
    ] as const) {
      const errorsBefore = fleet.consoleErrors.length;
      const refused = await fetchFromPage<ValidationFailure>(page, 'PUT', `/api/agents/${auren?.id}`, { [field]: unknown });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('validation_failed');
      const complaint = refused.body.error.fields?.[field]?.[0] ?? '';
      expect(complaint).toMatch(/^must be one of: /);
      expect(refused.body.error.message).toContain(field);
      const choices = complaint.replace(/^must be one of: /, '').split(', ');
      expect(choices).toContain('auto');
      expect(choices).not.toContain(unknown);
      // Chromium reports the 400 it was made to provoke as a console error: that one, and only that one, is taken out.
      await expectEventually(
        () => expect(fleet.consoleErrors.slice(errorsBefore)).toEqual([expect.stringContaining('the server responded with a status of 400')]),
        { timeoutMs: 5_000, context },
      );
      fleet.consoleErrors.splice(errorsBefore);

      // The form offers exactly the choices the API accepts.
      const options = await page.locator(`#agent-${field} option`).evaluateAll((nodes) => nodes.map((node) => (node as unknown as { value: string }).value));
      expect(options).toEqual(choices);
    }
    // Nothing was changed.
    const stored = await fleet.api<AgentDto>(`/api/agents/${auren?.id}`);
    expect([stored.stt_provider, stored.tts_provider]).toEqual([auren?.stt_provider, auren?.tts_provider]);
    expect(fleet.consoleErrors).toEqual([]);
  });

  // Last: deleting Auren deletes its conversations, which the tests above use.
  it('deleting the default agent through the page leaves exactly one default, and the page marks it', async () => {
    const created = await fleet.apiRequest<AgentDto>('POST', '/api/agents', { name: 'Second opinion', system_prompt: 'Be brief.' });
    expect(created.status).toBe(201);
    const before = await fleet.api<AgentDto[]>('/api/agents');
    const defaults = before.filter((agent) => agent.is_default);
    expect(defaults.map((agent) => agent.name)).toEqual(['Auren']);

    const page = await fleet.openApp();
    await page.getByRole('link', { name: 'Agents' }).click();
    await expectEventually(async () => expect(await page.getByTestId('agent-card').count()).toBe(before.length), { timeoutMs: 10_000, context });
    await page.getByRole('button', { name: 'Delete Auren' }).click();
    await page.getByRole('group', { name: 'Delete Auren and its conversations?' }).getByRole('button', { name: 'Confirm' }).click();

    const after = await expectEventually(async () => {
      const agents = await fleet.api<AgentDto[]>('/api/agents');
      expect(agents.map((agent) => agent.name)).not.toContain('Auren');
      expect(agents.filter((agent) => agent.is_default)).toHaveLength(1);
      return agents;
    }, { timeoutMs: 10_000, context });
    expect(after).toHaveLength(before.length - 1);
    const newDefault = after.find((agent) => agent.is_default);
    // The page shows the agents that are left, with the star on the new default only.
    const stars = page.getByRole('img', { name: 'Default agent' });
    await expectEventually(async () => {
      expect(await page.getByTestId('agent-card').count()).toBe(after.length);
      expect(await stars.count()).toBe(1);
    }, { timeoutMs: 10_000, context });
    expect(await page.getByTestId('agent-card').filter({ has: stars }).locator('h2').textContent()).toContain(newDefault?.name);
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
  const context = () => fleet.context();
  /** The conversation whose turn failed. */
  let sessionId = '';

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
    sessionId = (await fleet.debug(page)).state.sessionId ?? '';
    expect(fleet.consoleErrors).toEqual([]);
  });

  it('keeps the failed turn: the user’s words and which provider failed, in the API and on the transcript page', async () => {
    expect(sessionId).not.toBe('');
    const failed = await expectEventually(async () => {
      const messages = await fleet.api<MessageDto[]>(`/api/sessions/${sessionId}/messages`);
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      return messages;
    }, { timeoutMs: 20_000, context });
    const [user, assistant] = failed as [MessageDto, MessageDto];
    expect(user.content).toBe('what time is it in london');
    // The error names the stage, the provider that failed, and where it was looked for.
    expect(assistant.error).toMatchObject({ stage: 'llm', provider: expect.any(String), code: expect.any(String), message: expect.stringMatching(/Ollama at http:\/\/127\.0\.0\.1:\d+\/v1/) });
    expect(assistant.content).not.toBe('');

    const page = await fleet.openApp();
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.locator(`[data-testid="session-row"][href$="${sessionId}"]`).click();
    const shown = page.getByTestId('transcript-message');
    await expectEventually(async () => expect(await shown.count()).toBe(2), { timeoutMs: 10_000, context });
    expect(await shown.first().textContent()).toContain('what time is it in london');
    expect(await page.getByTestId('failed-turn-summary').textContent()).toBe(`The language model (LLM) failed · provider ${assistant.error?.provider} · code ${assistant.error?.code}`);
    expect(await page.getByTestId('failed-turn-message').textContent()).toBe(assistant.error?.message);
    expect(await page.getByTestId('failed-turn-said').textContent()).toContain(assistant.content);
    expect(await page.getByText('No messages yet.').count()).toBe(0);
    expect(fleet.consoleErrors).toEqual([]);
  });
});
