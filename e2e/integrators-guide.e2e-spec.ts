import { AUDIO_OUT_FRAME_BYTES, type SessionDto } from '@voxbridge/contracts';
import { expectEventually } from '@voxbridge/testing';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { adminKey, newRun, type Run } from './support/fleet';
import { guideExamples, runExample, type ExampleOutput, type GuideExample } from './support/guide-examples';
import { isAlive, LauncherProcess, REPO_ROOT } from './support/launcher-process';

const BOOT_TIMEOUT_MS = 120_000;
const GUIDE = join(REPO_ROOT, 'docs', 'integrators.md');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Context {
  agentId: string;
  sessionId: string;
}

const json = (output: ExampleOutput) => JSON.parse(output.stdout) as Record<string, unknown>;
const jsonLines = (output: ExampleOutput) =>
  output.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** What each example must print. An example in the guide without an entry here fails the test. */
const EXPECTATIONS: Record<string, (output: ExampleOutput, context: Context) => void> = {
  'create-key': (out) => expect(json(out)).toMatchObject({ id: expect.stringMatching(UUID), role: 'client', key: expect.stringMatching(/^vbk_/) }),
  'voice-token': (out) => expect(json(out)).toMatchObject({ ws_url: expect.stringMatching(/^ws:\/\/.+\/ws\/voice$/), token_prefix: 'vbt_' }),
  health: (out) => expect(json(out)).toMatchObject({ service: 'agent-api', version: expect.any(String) }),
  'list-agents': (out, { agentId }) => expect(jsonLines(out)).toContainEqual({ id: agentId, name: expect.any(String), is_default: true }),
  'create-agent': (out) =>
    expect(json(out)).toEqual({ id: expect.stringMatching(UUID), name: 'Order Desk', llm_provider: 'auto', stt_provider: 'auto', tts_provider: 'auto' }),
  'create-session': (out, { agentId }) =>
    expect(json(out)).toEqual({ id: expect.stringMatching(UUID), agent_id: agentId, user_id: 'customer-42', active: true }),
  'add-message': (out) => expect(json(out)).toMatchObject({ role: 'user', content: 'I would like two margherita pizzas, please.' }),
  'list-messages': (out) => expect(jsonLines(out)).toContainEqual({ role: 'user', content: 'I would like two margherita pizzas, please.' }),
  'search-sessions': (out, { sessionId }) => expect(json(out)).toMatchObject({ found: 1, first: { id: sessionId, message_count: 1 } }),
  'export-session': (out) => expect(out.stdout).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] .+: I would like two margherita pizzas, please\.$/m),
  'chat-sse': (out) => {
    expect(out.stdout).toMatch(/^event: delta$/m);
    const done = /^event: done\ndata: (.*)$/m.exec(out.stdout)?.[1];
    expect(JSON.parse(done ?? 'null')).toMatchObject({ text: expect.stringMatching(/\S/), turn_id: expect.stringMatching(UUID), provider: expect.any(String) });
  },
  'chat-json': (out) => expect(json(out)).toMatchObject({ turn_id: expect.stringMatching(UUID), text: expect.stringMatching(/\S/), provider: expect.any(String) }),
  'error-response': (out) => {
    const [body, status] = out.stdout.trim().split('\n');
    expect(JSON.parse(body ?? 'null')).toMatchObject({ error: { code: 'validation_failed', message: expect.any(String) } });
    expect(status).toBe('HTTP 400');
  },
  'rate-limit': (out) => {
    const lines = out.stdout.trim().split('\n');
    expect(lines.filter((line) => /^HTTP\/\S+ 200/.test(line))).toHaveLength(2);
    expect(lines.filter((line) => /^HTTP\/\S+ 429/.test(line))).toHaveLength(1);
    expect(lines.find((line) => /^retry-after:/i.test(line))).toMatch(/^retry-after: [1-9]\d*$/i);
  },
  openapi: (out) => expect(json(out)).toMatchObject({ openapi: expect.stringMatching(/^3\./), paths: expect.any(Number) }),
  'chat-client': (out) => expect(out.stdout).toMatch(/\S.*\n\[done\] provider=\S+ model=\S+\n$/),
  'events-client': (out, { sessionId }) => {
    const events = out.stdout.trim().split('\n').map((line) => line.split(' ')[0]);
    expect(events.slice(0, 2)).toEqual(['ready', 'subscribed']);
    expect(events).toEqual(expect.arrayContaining(['ai_response_chunk', 'ai_response_complete', 'turn_committed']));
    expect(out.stdout).toContain(`"session_id":"${sessionId}"`);
    expect(events.at(-1)).toBe('closed');
  },
  'voice-client': (out) => {
    expect(out.stdout).toMatch(/^session [0-9a-f-]{36} with .+$/m);
    expect(out.stdout).toMatch(/^transcript: \S.*$/m);
    expect(out.stdout).toMatch(/^reply: \S.*$/m);
    const [, frames, bytes] = /^audio frames: (\d+) \((\d+) bytes\)$/m.exec(out.stdout) ?? [];
    expect(Number(frames)).toBeGreaterThan(10);
    expect(Number(bytes)).toBe(Number(frames) * AUDIO_OUT_FRAME_BYTES);
    expect(out.stdout).toMatch(/^closed 1000\b/m);
  },
};

const examples = guideExamples(GUIDE);

/**
 * docs/integrators.md, run: every titled curl and TypeScript example of the guide against a fleet
 * started with `--fake-providers`, with the environment the guide documents (BASE_URL, KEY,
 * AGENT_ID, SESSION_ID), in document order.
 */
describe('the integrators guide', () => {
  let run: Run;
  let fleet: LauncherProcess;
  let env: NodeJS.ProcessEnv;
  let context: Context;

  beforeAll(async () => {
    run = await newRun();
    fleet = LauncherProcess.start(run.env, ['--fake-providers']);
    await expectEventually(() => expect(fleet.text()).toContain('8/8 ready'), { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context: () => fleet.lastLines() });
    const baseUrl = `http://127.0.0.1:${run.portBase}`;
    const headers = { authorization: `Bearer ${adminKey(run)}`, 'content-type': 'application/json' };
    const agents = (await (await fetch(`${baseUrl}/api/agents`, { headers })).json()) as Array<{ id: string; is_default: boolean }>;
    const agentId = agents.find((agent) => agent.is_default)?.id ?? '';
    const created = await fetch(`${baseUrl}/api/sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ user_id: 'guide-reader', agent_id: agentId, title: 'Guide session' }),
    });
    expect(created.status).toBe(201);
    context = { agentId, sessionId: ((await created.json()) as SessionDto).id };
    // Only what the guide documents, plus what a shell needs to find curl, jq and node.
    env = { PATH: process.env.PATH, HOME: process.env.HOME, BASE_URL: baseUrl, KEY: adminKey(run), AGENT_ID: context.agentId, SESSION_ID: context.sessionId };
  }, BOOT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    if (fleet?.isRunning()) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    for (const pid of fleet?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
  });

  it('has curl and TypeScript examples, each with a check here', () => {
    expect(examples.filter((e) => e.lang === 'sh').length).toBeGreaterThanOrEqual(10);
    expect(examples.filter((e) => e.lang === 'ts').map((e) => e.title)).toEqual(['chat-client', 'events-client', 'voice-client']);
    expect(examples.map((e) => e.title).filter((title) => !(title in EXPECTATIONS))).toEqual([]);
    expect(new Set(examples.map((e) => e.title)).size).toBe(examples.length);
  });

  it.each(examples.map((example) => [`${example.lang} ${example.title}`, example] as [string, GuideExample]))('runs %s', async (_name, example) => {
    const output = await runExample(example, env);
    EXPECTATIONS[example.title]?.(output, context);
  });
});
