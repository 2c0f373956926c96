import { expectEventually } from '@voxbridge/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { adminKey, newRun, type Run } from './fleet';
import { isAlive, LauncherProcess } from './launcher-process';

const BOOT_TIMEOUT_MS = 120_000;
export const BROWSER_FLEET_BOOT_MS = BOOT_TIMEOUT_MS + 30_000;
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** `window.__voxbridge`: the Talk page's counters (apps/web/src/talk/debug-hooks.ts). */
export interface VoxbridgeDebug {
  state: { connection: string; indicator: string; sessionId: string | null; error: string | null };
  framesSent: number;
  framesMuted: number;
  lastFrameBytes: number;
  framesPlayed: number;
  framesBuffered: number;
  framesDroppedOnInterrupt: number;
  interruptionsReceived: number;
  serviceErrors: number;
}

/**
 * A fleet started by the launcher and people at its web app in headless Chromium, each with a WAV
 * as the microphone (played once). Collects every console error of every page.
 */
export class BrowserFleet {
  readonly consoleErrors: string[] = [];
  private readonly browsers: Browser[] = [];
  private lastDebug: VoxbridgeDebug | null = null;
  private plainBrowser: Promise<Browser> | null = null;

  private constructor(
    readonly run: Run,
    readonly fleet: LauncherProcess,
  ) {}

  /** `env` overrides the fleet's environment; an `undefined` value removes the variable. */
  static async start(args: string[], env: Record<string, string | undefined> = {}): Promise<BrowserFleet> {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    const run = await newRun();
    const fleetEnv: NodeJS.ProcessEnv = { ...run.env };
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete fleetEnv[name];
      else fleetEnv[name] = value;
    }
    const fleet = LauncherProcess.start(fleetEnv, args);
    await expectEventually(() => expect(fleet.text()).toContain('8/8 ready'), { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context: () => fleet.lastLines() });
    return new BrowserFleet(run, fleet);
  }

  async api<T>(path: string): Promise<T> {
    const response = await this.apiRequest<T>('GET', path);
    expect(response.status).toBe(200);
    return response.body;
  }

  /** Any request to the API with the admin key, from the test (not the page): its status and JSON body (null when empty). */
  async apiRequest<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`http://127.0.0.1:${this.run.portBase}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey(this.run)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** A browser whose microphone plays `wav` once, signed in with the admin key, on the Talk page. */
  async openTalk(wav: string): Promise<Page> {
    const browser = await this.launch([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}%noloop`,
      '--autoplay-policy=no-user-gesture-required',
    ]);
    const page = await this.signedIn(browser);
    await page.getByRole('link', { name: 'Talk' }).click();
    // The default agent is preselected.
    await expectEventually(async () => expect(await page.locator('#talk-agent option:checked').textContent()).toContain('Auren'), { timeoutMs: 10_000 });
    return page;
  }

  /**
   * A new tab signed in with the admin key, for the pages that need no microphone (Conversations,
   * Agents, System…): all share one browser, each in a context of its own (its own sessionStorage).
   */
  async openApp(): Promise<Page> {
    this.plainBrowser ??= this.launch([]);
    return this.signedIn(await this.plainBrowser);
  }

  private async launch(args: string[]): Promise<Browser> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
    });
    this.browsers.push(browser);
    return browser;
  }

  private async signedIn(browser: Browser): Promise<Page> {
    const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => this.consoleErrors.push(String(error)));
    await page.goto(`http://127.0.0.1:${this.run.portBase}/`);
    await page.getByLabel('API key').fill(adminKey(this.run));
    await page.getByRole('button', { name: /sign in/i }).click();
    return page;
  }

  /** The page's counters; the last ones read are printed when a wait fails (`context`). */
  async debug(page: Page): Promise<VoxbridgeDebug> {
    this.lastDebug = await page.evaluate(() => (globalThis as unknown as { __voxbridge: VoxbridgeDebug }).__voxbridge);
    return this.lastDebug;
  }

  readonly context = (): string =>
    `page counters: ${JSON.stringify(this.lastDebug)}\nconsole errors: ${this.consoleErrors.join('\n')}\n${this.fleet.lastLines(80)}`;

  async stop(): Promise<void> {
    await Promise.all(this.browsers.map((browser) => browser.close().catch(() => undefined)));
    if (this.fleet.isRunning()) {
      this.fleet.child.kill('SIGTERM');
      await this.fleet.exited;
    }
    for (const pid of this.fleet.allPids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(join(this.run.home, '..'), { recursive: true, force: true });
  }
}
