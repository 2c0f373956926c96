import { expectEventually } from '@voxbridge/testing';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { adminKey, newRun, type Run } from './support/fleet';
import { DatabaseChecksum, differences } from './support/fuzz/db-checksum';
import { httpCases, type HttpCase, type OpenApiDocument } from './support/fuzz/http-cases';
import { runIsolatedPhase, runRejectPhase, type CaseFailure } from './support/fuzz/http-phase';
import { mapBounded } from './support/fuzz/pool';
import { fuzzSeed, Prng } from './support/fuzz/prng';
import { rapidConnectDisconnect, socketCases, type SocketCase, type SocketTargets } from './support/fuzz/socket-cases';
import { errorMessages } from './support/fuzz/socket-probe';
import { isAlive, LauncherProcess } from './support/launcher-process';

const BOOT_TIMEOUT_MS = 120_000;
/**
 * Cases in flight at once. Small on purpose: the machine has 2 cores shared by the whole fleet
 * (and other work); more in flight only queues requests inside agent-api and session-store, where
 * a queued request outlives session-store's 2 s bus timeout and comes back as a 504.
 */
const CONCURRENCY = 4;
/** Cases between two snapshots of the database. */
const CHUNK = 64;
/** agent-api's HTTP_BODY_LIMIT_KB (default 256; the launcher does not change it). */
const BODY_LIMIT_BYTES = Number(process.env['HTTP_BODY_LIMIT_KB'] ?? 256) * 1024;
/** `FUZZ_ONLY=<text>`: run only the cases whose name contains it (to replay one with its `FUZZ_SEED`). */
const ONLY = process.env['FUZZ_ONLY'];

const SEED = fuzzSeed();
/** Connections each rapid connect/disconnect case opens and drops, per socket. */
const RAPID_CONNECTS = 50;

/** A list of failures that announces each one as it is added. */
class LoggedFailures extends Array<CaseFailure> {
  constructor(private readonly announce: (failure: CaseFailure) => void) {
    super();
  }

  static override get [Symbol.species]() {
    return Array;
  }

  override push(...items: CaseFailure[]): number {
    for (const item of items) this.announce(item);
    return super.push(...items);
  }
}

function shown(body: string | Buffer | undefined): string {
  if (body === undefined) return '(none)';
  const text = Buffer.isBuffer(body) ? `<${body.length} bytes> ${body.toString('hex').slice(0, 80)}` : body;
  return text.length > 200 ? `${JSON.stringify(text.slice(0, 200))}… (${Buffer.byteLength(text)} bytes)` : JSON.stringify(text);
}

/**
 * Generated from the OpenAPI document agent-api serves and from the two WebSocket contracts
 * (`/ws/events`, `/ws/voice`), thousands of hostile requests against the running fleet (fake
 * providers): every operation without a key and with wrong ones, every path and query parameter
 * with non-ids, every body field with junk (null, wrong types, extreme numbers, 20 k strings, NUL,
 * lone surrogates, nesting, prototype keys), malformed and oversized bodies; on the sockets, wrong
 * frame sizes, garbage, oversized messages, messages before auth, rapid connect/disconnect.
 *
 * Asserts: no answer ≥ 500 and no 429 (the fuzz key's rate is high: a 429 is a setup failure);
 * every 4xx has the error shape and names the problem; refusals change nothing (row counts and an
 * md5 of every table of every service schema, before and after); sockets refuse with 1008/1009/4xxx
 * and a reason or answer an error message; every service still answers afterwards.
 *
 * Reproduce: `FUZZ_SEED=<seed printed below> FUZZ_ONLY='<part of a case name>' npx jest -c e2e/jest.config.ts e2e/fuzz.e2e-spec.ts`.
 * Failures are reported by case (seed, request, status, body, server log line): this suite stays
 * red until the server is fixed; nothing here skips a failing case.
 */
describe(`fuzzing the API and the sockets through the running fleet (FUZZ_SEED=${SEED})`, () => {
  let run: Run;
  let fleet: LauncherProcess;
  let db: DatabaseChecksum;
  let admin: string;
  let fuzzKey: string;
  let clientKey: string;
  let revokedKey: string;
  let victimKeyId: string;
  let agentId: string;
  let otherAgentId: string;
  let sessionId: string;
  let voiceToken: string;
  let document: OpenApiDocument;
  let startedAt = 0;
  let cases: HttpCase[] = [];
  let sockets: SocketCase[] = [];
  const api = () => `http://127.0.0.1:${run.portBase}`;
  const voiceHttp = () => `http://127.0.0.1:${run.portBase + 1}`;

  async function call<T>(method: string, path: string, body?: unknown, token = admin): Promise<{ status: number; body: T }> {
    const response = await fetch(`${api()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function created<T>(method: string, path: string, body: unknown): Promise<T> {
    const response = await call<T>(method, path, body);
    if (response.status !== 201) throw new Error(`setup: ${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** Server log lines that mention the request id of an answer (a 500 names its id). */
  function logLines(body: string): string[] {
    const id = /"request_id":"([^"]+)"/.exec(body)?.[1] ?? /error id ([\w-]+)/.exec(body)?.[1];
    if (!id) return [];
    return fleet
      .text()
      .split('\n')
      .filter((line) => line.includes(id))
      .map((line) => line.slice(0, 400));
  }

  function report(failures: CaseFailure[]): string {
    const lines = [`${failures.length} failing case(s), FUZZ_SEED=${SEED}:`];
    for (const { testCase, outcome, problems } of failures) {
      lines.push(`#${testCase.id} ${testCase.name}`);
      lines.push(`   ${testCase.method} ${testCase.path.length > 160 ? `${testCase.path.slice(0, 160)}…` : testCase.path}  content-type: ${testCase.contentType ?? '(none)'}  body: ${shown(testCase.body)}`);
      if (outcome) lines.push(`   → ${outcome.status} ${outcome.body.slice(0, 300)}`);
      for (const problem of problems) lines.push(`   ✗ ${problem}`);
      for (const line of outcome ? logLines(outcome.body) : []) lines.push(`   log: ${line}`);
    }
    return lines.join('\n');
  }

  beforeAll(async () => {
    console.log(`fuzz: FUZZ_SEED=${SEED}`);
    startedAt = Date.now();
    run = await newRun();
    fleet = LauncherProcess.start(run.env, ['--fake-providers']);
    await expectEventually(() => expect(fleet.text()).toContain('8/8 ready'), { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context: () => fleet.lastLines() });
    admin = adminKey(run);
    // A high rate for the keys the fuzz uses: a 429 would hide what the server does with the input.
    const high = { rate_limit_per_second: 100_000, rate_limit_burst: 100_000 };
    fuzzKey = (await created<{ key: string }>('POST', '/api/keys', { name: 'fuzz admin', role: 'admin', ...high })).key;
    clientKey = (await created<{ key: string }>('POST', '/api/keys', { name: 'fuzz client', role: 'client', ...high })).key;
    victimKeyId = (await created<{ id: string }>('POST', '/api/keys', { name: 'fuzz victim', role: 'client' })).id;
    const revoked = await created<{ id: string; key: string }>('POST', '/api/keys', { name: 'fuzz revoked', role: 'admin', ...high });
    expect((await call('DELETE', `/api/keys/${revoked.id}`)).status).toBe(204);
    revokedKey = revoked.key;
    agentId = (await created<{ id: string }>('POST', '/api/agents', { name: 'Fuzz target', system_prompt: 'You are the target of a fuzz test.' })).id;
    const agents = await call<Array<{ id: string }>>('GET', '/api/agents');
    otherAgentId = agents.body.find((a) => a.id !== agentId)?.id ?? '';
    sessionId = (await created<{ id: string }>('POST', '/api/sessions', { user_id: 'fuzz', agent_id: agentId })).id;
    voiceToken = (await created<{ token: string }>('POST', '/api/voice/token', { agent_id: agentId })).token;
    const docs = await call<OpenApiDocument>('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    document = docs.body;
    const prng = new Prng(SEED);
    cases = httpCases(document, { agentId, sessionId, victimKeyId, revokedKey, fuzzKey, bodyLimitBytes: BODY_LIMIT_BYTES }, prng);
    sockets = socketCases(prng, cases.length);
    if (ONLY) {
      cases = cases.filter((c) => c.name.includes(ONLY));
      sockets = sockets.filter((c) => c.name.includes(ONLY));
    }
    db = await DatabaseChecksum.connect(String(run.env['DATABASE_URL']));
  }, BOOT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await db?.close();
    if (fleet?.isRunning()) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    for (const pid of fleet?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
  });

  it('generates at least 2,000 cases from the OpenAPI document and the socket contracts', () => {
    const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    console.log(`fuzz: ${cases.length} HTTP cases over ${operations} operations, ${sockets.length} socket cases (+2 × ${RAPID_CONNECTS} rapid connects), FUZZ_SEED=${SEED}`);
    if (!ONLY) expect(cases.length + sockets.length + 2 * RAPID_CONNECTS).toBeGreaterThanOrEqual(2_000);
  });

  it('HTTP: nothing ≥ 500 or 429, every refusal names the problem, and no refused request changes the database', async () => {
    // Each failure is printed as it is found (a run cut short still says what failed), and all again at the end.
    const failures = new LoggedFailures((failure) => process.stderr.write(`fuzz failure: ${report([failure])}\n`));
    const options = { baseUrl: api(), keys: { fuzzKey, clientKey }, db, concurrency: CONCURRENCY, chunkSize: CHUNK };
    // Must be refused (or only read): concurrently, in chunks between snapshots.
    const concurrent = cases.filter((c) => c.expect !== 'any' || c.method === 'GET');
    // The schema admits them, so they may write: one at a time between snapshots.
    const isolated = cases.filter((c) => c.expect === 'any' && c.method !== 'GET');
    const started = Date.now();
    const outcomes = [...(await runRejectPhase(options, concurrent, failures)), ...(await runIsolatedPhase(options, isolated, failures))];
    const statuses = new Map<number, number>();
    for (const outcome of outcomes) statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
    console.log(`fuzz: ${outcomes.length} HTTP cases in ${Math.round((Date.now() - started) / 1000)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    if (failures.length > 0) console.log(report(failures));
    expect(failures.map((f) => `#${f.testCase.id} ${f.testCase.name}: ${f.problems.join('; ')}`)).toEqual([]);
  }, 900_000);

  it('sockets: refusals close with 1008/1009/4xxx and a reason or answer an error, and change nothing', async () => {
    const targets: SocketTargets = {
      agentApiWs: `ws://127.0.0.1:${run.portBase}`,
      voiceWs: `ws://127.0.0.1:${run.portBase + 1}`,
      fuzzKey,
      revokedKey,
      agentId,
      voiceToken,
      otherAgentId,
    };
    const failures: string[] = [];
    const record = (testCase: SocketCase, problems: string[]) => {
      if (problems.length > 0) failures.push(`#${testCase.id} ${testCase.name}: ${problems.join('; ')}`);
    };
    const before = await db.snapshot();
    const refusals = sockets.filter((c) => !c.writes);
    await mapBounded(refusals, CONCURRENCY, async (testCase) => record(testCase, await testCase.run(targets)));
    if (!ONLY || 'rapid'.includes(ONLY)) {
      const events = `${targets.agentApiWs}/ws/events?token=${encodeURIComponent(fuzzKey)}`;
      const rapid = await rapidConnectDisconnect(events, RAPID_CONNECTS, (probe) => probe.until((r) => errorMessages(r, 'ready').length > 0));
      if (rapid.length > 0) failures.push(`/ws/events rapid connect/disconnect: ${rapid.join('; ')}`);
    }
    const changed = differences(before, await db.snapshot());
    if (changed.length > 0) failures.push(`socket refusals changed the database: ${changed.join('; ')}`);

    // Accepted voice sockets open sessions (they write): checked for answers, not for an unchanged database.
    for (const testCase of sockets.filter((c) => c.writes)) record(testCase, await testCase.run(targets));
    if (!ONLY || 'rapid'.includes(ONLY)) {
      const voice = `${targets.voiceWs}/ws/voice?agent_id=${agentId}&token=${encodeURIComponent(fuzzKey)}`;
      const rapid = await rapidConnectDisconnect(voice, RAPID_CONNECTS, (probe) => probe.until((r) => errorMessages(r, 'ready').length > 0));
      if (rapid.length > 0) failures.push(`/ws/voice rapid connect/disconnect: ${rapid.join('; ')}`);
    }
    if (failures.length > 0) console.log(`${failures.length} failing socket case(s), FUZZ_SEED=${SEED}:\n${failures.join('\n')}`);
    expect(failures).toEqual([]);
  }, 600_000);

  it('leaves every service up and answering', async () => {
    expect((await fetch(`${api()}/health`)).status).toBe(200);
    expect((await fetch(`${voiceHttp()}/health`)).status).toBe(200);
    const health = await call<{ services: Array<{ name: string; status: string }> }>('GET', '/api/fleet/health');
    expect(health.status).toBe(200);
    expect(fleet.isRunning()).toBe(true);
    // The launcher restarts a crashed service and says so: `started <name> pid=… (restart 1)`.
    expect(fleet.text()).not.toMatch(/pid=\d+ \(restart \d+\)/);
    expect(fleet.text()).not.toMatch(/exited unexpectedly/);
    const total = cases.length + sockets.length + 2 * RAPID_CONNECTS;
    console.log(`fuzz: ${total} cases (${cases.length} HTTP, ${sockets.length} socket, ${2 * RAPID_CONNECTS} rapid connects) in ${Math.round((Date.now() - startedAt) / 1000)} s with the fleet's boot, FUZZ_SEED=${SEED}`);
  });
});
