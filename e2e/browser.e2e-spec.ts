import type { MessageDto, SessionDto } from '@voxbridge/contracts';
import { expectEventually } from '@voxbridge/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { adminKey, newRun, type Run } from './support/fleet';
import { isAlive, LauncherProcess } from './support/launcher-process';
import { microphoneWav } from './support/microphone';

const BOOT_TIMEOUT_MS = 120_000;
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** What the fake LLM says (tools/launcher/fake-providers.ts). */
const FAKE_REPLY =
  'I am a scripted voice running on fake providers. Point me at a real model, and I will say something smarter. ' +
  'Until then, you can interrupt me whenever you like, and the conversation will remember what you actually heard.';
const FAKE_REPLY_START = 'I am a scripted voice running on fake providers.';
const FAKE_TRANSCRIPTS = ['Hello, who are you?', 'Tell me more about that.', 'Thanks, that is all.'];

interface VoxbridgeDebug {
  state: { connection: string; indicator: string; sessionId: string | null };
  framesSent: number;
  lastFrameBytes: number;
  framesPlayed: number;
  framesDroppedOnInterrupt: number;
  interruptionsReceived: number;
  serviceErrors: number;
}

/**
 * A person at the web app, in headless Chromium: the fleet runs with `--fake-providers`, a WAV of
 * speech synthesized offline (flite) is the microphone, and the test signs in with the launcher's
 * admin key, talks to the default agent (Auren), interrupts it, and finds the conversation.
 * Assertions are on the DOM, on the page's own counters (`window.__voxbridge`) and on what the API
 * stored — never on pixels.
 */
describe('the web app in a real browser', () => {
  let run: Run;
  let fleet: LauncherProcess;
  const browsers: Browser[] = [];
  const consoleErrors: string[] = [];

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${run.portBase}${path}`, { headers: { authorization: `Bearer ${adminKey(run)}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };

  /** A browser whose microphone plays `wav` once, signed in, on the Talk page. */
  const openTalk = async (wav: string): Promise<Page> => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}%noloop`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    browsers.push(browser);
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    await page.goto(`http://127.0.0.1:${run.portBase}/`);
    await page.getByLabel('API key').fill(adminKey(run));
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('link', { name: 'Talk' }).click();
    // The default agent is preselected.
    await expectEventually(async () => expect(await page.locator('#talk-agent option:checked').textContent()).toContain('Auren'), { timeoutMs: 10_000 });
    return page;
  };

  /** The page's counters; the last ones read are printed when a wait fails. */
  let lastDebug: VoxbridgeDebug | null = null;
  const debug = async (page: Page): Promise<VoxbridgeDebug> => {
    lastDebug = await page.evaluate(() => (globalThis as unknown as { __voxbridge: VoxbridgeDebug }).__voxbridge);
    return lastDebug;
  };
  const context = () => `page counters: ${JSON.stringify(lastDebug)}\nconsole errors: ${consoleErrors.join('\n')}\n${fleet.lastLines(80)}`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    run = await newRun();
    fleet = LauncherProcess.start(run.env, ['--fake-providers']);
    await expectEventually(() => expect(fleet.text()).toContain('8/8 ready'), { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context: () => fleet.lastLines() });
  }, BOOT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => undefined)));
    if (fleet?.isRunning()) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    for (const pid of fleet?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
  });

  it('hears what the user says, streams and speaks the answer, and keeps the turn with its latencies', async () => {
    const page = await openTalk(microphoneWav([{ silenceMs: 1_500 }, { say: 'Hello, who are you?' }, { silenceMs: 20_000 }]));
    await page.getByTestId('mic-button').click();

    const finalTranscript = page.getByTestId('final-transcript').last();
    await expectEventually(async () => expect(FAKE_TRANSCRIPTS).toContain((await finalTranscript.textContent())?.trim()), { timeoutMs: 20_000, context });
    await expectEventually(async () => expect(await page.getByTestId('reply-text').last().textContent()).toContain(FAKE_REPLY_START), {
      timeoutMs: 20_000,
      context,
    });
    // Its voice reached the speaker, and the microphone sent 20 ms frames of 16 kHz PCM16.
    await expectEventually(async () => expect((await debug(page)).framesPlayed).toBeGreaterThan(50), { timeoutMs: 20_000, context });
    const counters = await debug(page);
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
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.locator(`[data-testid="session-row"][href$="${sessionId}"]`).click();
    await expectEventually(async () => expect(await page.getByTestId('transcript-message').count()).toBeGreaterThanOrEqual(2), { timeoutMs: 10_000, context });
    expect(await page.getByTestId('transcript-message').first().textContent()).toContain(await finalTranscript.textContent().catch(() => ''));
    expect(await page.getByTestId('message-metrics').count()).toBeGreaterThanOrEqual(1);
    const messages = await api<MessageDto[]>(`/api/sessions/${sessionId}/messages`);
    expect(messages.find((m) => m.role === 'assistant')).toMatchObject({ interrupted: false, total_latency_ms: expect.any(Number), overhead_ms: expect.any(Number) });
    expect(consoleErrors).toEqual([]);
  });

  it('stops speaking when the user talks over it, and stores only what was heard', async () => {
    // Speak, let the agent answer for a couple of seconds, then talk over it.
    const page = await openTalk(
      microphoneWav([{ silenceMs: 1_500 }, { say: 'Tell me something long.' }, { silenceMs: 3_500 }, { say: 'Wait, stop there please.' }, { silenceMs: 20_000 }]),
    );
    await page.getByTestId('mic-button').click();

    await expectEventually(async () => expect((await debug(page)).interruptionsReceived).toBeGreaterThanOrEqual(1), { timeoutMs: 40_000, context });
    // Whatever was queued for the speaker was thrown away at once, and the turn shows as interrupted.
    const counters = await debug(page);
    expect(counters.framesDroppedOnInterrupt).toBeGreaterThan(0);
    await expectEventually(async () => expect(await page.locator('[data-testid="turn"][data-status="interrupted"]').count()).toBe(1), { timeoutMs: 10_000, context });

    // The stored reply is cut where the user interrupted: a non-empty prefix of what the agent was saying.
    const sessionId = counters.state.sessionId ?? '';
    const interrupted = await expectEventually(async () => {
      const found = (await api<MessageDto[]>(`/api/sessions/${sessionId}/messages`)).filter((m) => m.role === 'assistant' && m.interrupted);
      expect(found).toHaveLength(1);
      return found[0] as MessageDto;
    }, { timeoutMs: 20_000, context });
    expect(interrupted.content.length).toBeGreaterThan(0);
    expect(FAKE_REPLY.startsWith(interrupted.content.trim())).toBe(true);
    expect(interrupted.content.trim().length).toBeLessThan(FAKE_REPLY.length);
    const session = await api<SessionDto>(`/api/sessions/${sessionId}`);
    expect(session.session_type).toBe('webrtc');
    expect(consoleErrors).toEqual([]);
  });
});
