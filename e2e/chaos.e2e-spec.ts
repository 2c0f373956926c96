import type { MessageDto } from '@voxbridge/contracts';
import { canConnect, dropDatabase, expectEventually, FakeControlClient, testInfra, type FakeLlmRecord } from '@voxbridge/testing';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { clientLog, clock, outcomeOf, outcomeTable, seenTurns, storedTurn, type Disruption, type SeenTurn, type Step, type StepOutcome } from './support/conversation-report';
import { adminKey, fleetHealth, newRun, type Run } from './support/fleet';
import { isAlive, LauncherProcess, processesMentioning } from './support/launcher-process';
import { PrivateNats } from './support/private-nats';
import { BrowserVoiceClient } from './support/voice-client';

const BOOT_TIMEOUT_MS = 120_000;
const REPLICAS = 2;
const WORKERS = ['stt-gateway', 'llm-router', 'tts-gateway'] as const;
type Worker = (typeof WORKERS)[number];
/** The issue's promise: an answer, or an error naming the stage, within this long of the service being back. */
const BACK_WITHIN_MS = 2_000;
/** session-store writes a turn whose stage died after this much quiet (45 s by default). */
const TURN_ASSEMBLY_TIMEOUT_MS = 5_000;
const NATS_DOWN_MS = 5_000;
/** Generous: how long a turn may take to settle before the step is recorded as left hanging. */
const SETTLE_TIMEOUT_MS = 15_000;

/** An utterance: a voiced tone, then enough silence for the end of turn (≥ 900 ms). */
const VOICED_MS = 900;
const SILENCE_MS = 1_000;

const tokens = (text: string) => text.split(/(?=\s)/);
/** Normal turns: a short answer (about 1 s of speech from the fake TTS at 60 ms a character). */
const SHORT_REPLY = { tokens: tokens('Sure, that is easy.'), ttftMs: 250, tokensPerSecond: 50 };
/** The answer llm-router dies in: it streams slowly, sentence after sentence. */
const STREAMING_REPLY = {
  tokens: tokens('Well. Let me think about that for a moment. There is quite a lot to say about it, so here comes the long version.'),
  ttftMs: 250,
  tokensPerSecond: 8,
};
/** The answer tts-gateway dies in: several seconds of speech. */
const SPOKEN_REPLY = {
  tokens: tokens('This answer is long enough to keep speaking for several seconds. So there is time to stop the voice in the middle of it.'),
  ttftMs: 250,
  tokensPerSecond: 50,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Chaos, seen from a browser: one conversation through webrtc-gateway's `/ws/voice` while the test
 * SIGKILLs a process of each pipeline worker (each has a live sibling, `--replicas 2`) at the moment
 * it matters — speech-to-text mid-utterance, the LLM while its answer streams, text-to-speech while
 * the agent speaks — then session-store, then the NATS server itself (a private one the test owns,
 * killed and started again on the same port and store). The user keeps talking throughout. Every
 * utterance must get an answer or an error naming the stage that failed, and every turn the user
 * saw must be stored exactly once with what was heard.
 */
describe('a voice conversation that survives crashes', () => {
  let nats: PrivateNats;
  let run: Run;
  let fleet: LauncherProcess;
  let client: BrowserVoiceClient;
  let llm: FakeControlClient<FakeLlmRecord>;
  let t0Ms = 0;
  const steps: Step[] = [];
  const disruptions: Disruption[] = [];
  let llmScripted = 0;

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`http://127.0.0.1:${run.portBase}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey(run)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const context = (fromMs = 0) => () => `--- what the client received ---\n${clientLog(client?.records ?? [], t0Ms, fromMs)}\n${fleet?.lastLines(60) ?? ''}`;

  /** The replica of a worker that holds our session now: the last one to log `session taken` for it. */
  const holderOf = (service: Worker): string => {
    const sessionId = client.sessionId?.toLowerCase();
    let holder: string | undefined;
    for (const { line } of fleet.lines()) {
      const match = /^(\S+)\s+│ (\{.*\})\s*$/.exec(line);
      if (!match?.[1]?.startsWith(`${service}#`) || !match[2]) continue;
      const entry = JSON.parse(match[2]) as { msg?: string; session_id?: string };
      if (entry.msg === 'session taken' && entry.session_id?.toLowerCase() === sessionId) holder = match[1];
    }
    if (!holder) throw new Error(`no ${service} replica logged "session taken" for session ${sessionId}`);
    return holder;
  };

  /** SIGKILL the current process of a replica (pids from the launcher's `started <name> pid=…`). */
  const kill = (what: string, replica: string): Disruption => {
    const pid = fleet.pids().get(replica)?.at(-1);
    if (pid === undefined || !isAlive(pid)) throw new Error(`${replica} has no live pid (launcher said: ${JSON.stringify(Object.fromEntries(fleet.pids()))})`);
    const disruption: Disruption = { what, process: replica, pid, atMs: Date.now(), notes: [] };
    process.kill(pid, 'SIGKILL');
    disruptions.push(disruption);
    return disruption;
  };

  /** Back, from outside: the launcher's `<name> is ready again` line after the kill. */
  const awaitBack = async (disruption: Disruption): Promise<void> => {
    const escaped = disruption.process.replace(/[#.*+?^${}()|[\]\\]/g, '\\$&');
    const line = await expectEventually(
      () => {
        const found = fleet.lineAfter(new RegExp(`${escaped} is ready again`), disruption.atMs);
        expect(found?.line).toMatch(new RegExp(`${escaped} is ready again`));
        expect(found?.atMs).toBeGreaterThanOrEqual(disruption.atMs);
        return found;
      },
      { timeoutMs: 30_000, intervalMs: 50, context: () => fleet.lastLines(40) },
    );
    disruption.backAtMs = line?.atMs;
  };

  /** The next LLM request gets `script` (the fake's queue is shared by the replicas; one script per turn). */
  const scriptNextReply = async (script: object): Promise<void> => {
    const requests = (await llm.record()).requests.length;
    if (llmScripted > requests) {
      // A script is still queued (an utterance got no LLM request): the next turn uses that one.
      return;
    }
    await llm.scriptNext(script);
    llmScripted = requests + 1;
  };

  /** Waits until the turn the utterance started has settled: ended, or reported failed. Never throws: a hang is an outcome. */
  const settle = async (step: Step): Promise<void> => {
    const since = step.utterance.startAtMs;
    try {
      await expectEventually(
        () => {
          const ended = client.events('turn_state', since).some((e) => e.data.state === 'done' || e.data.state === 'interrupted');
          const failed = client.events('service_error', since).filter((e) => e.data.service);
          const last = client.records.at(-1)?.atMs ?? 0;
          // After an error, whatever follows it (a cut turn ending) has had a quiet second to arrive.
          expect(ended || (failed.length > 0 && Date.now() - last > 1_000)).toBe(true);
        },
        { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 50 },
      );
      // The turn's last words are in; the client is listening again.
      await expectEventually(() => expect(client.events('turn_state', since).at(-1)?.data.state).toBe('listening'), { timeoutMs: 3_000, intervalMs: 50 }).catch(() => undefined);
    } catch (error) {
      step.waitFailure = (error as Error).message;
    }
  };

  /**
   * The user says something (the next LLM request answers with `script`); `killAt` kills a process
   * once that much of the voiced part has been sent, and the step remembers it.
   */
  const say = async (label: string, options: { script?: object; disruption?: Disruption; killAt?: { voicedMs: number; kill: () => Disruption } } = {}): Promise<Step> => {
    await scriptNextReply(options.script ?? SHORT_REPLY);
    const killed: { disruption?: Disruption } = {};
    const { killAt } = options;
    const at = killAt && { voicedMs: killAt.voicedMs, action: async () => void (killed.disruption = killAt.kill()) };
    const step: Step = { utterance: await client.say(label, VOICED_MS, SILENCE_MS, at) };
    const disruption = killed.disruption ?? options.disruption;
    if (disruption) step.disruption = disruption;
    steps.push(step);
    return step;
  };

  beforeAll(async () => {
    nats = await PrivateNats.start();
    run = await newRun({ natsUrl: nats.url, portCount: 8 + WORKERS.length * (REPLICAS - 1) });
    run.env['TURN_ASSEMBLY_TIMEOUT_MS'] = String(TURN_ASSEMBLY_TIMEOUT_MS);
    fleet = LauncherProcess.start(run.env, ['--fake-providers', '--replicas', String(REPLICAS)]);
    await expectEventually(
      () => {
        if (!fleet.isRunning()) throw new Error(`launcher exited early (${fleet.child.exitCode ?? fleet.child.signalCode})`);
        expect(fleet.text()).toContain('8/8 ready');
      },
      { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context: () => fleet.lastLines() },
    );
    const llmUrl = /fake LLM \([^)]*\)\s+(\S+)/.exec(fleet.text())?.[1];
    if (!llmUrl) throw new Error('the launcher did not print where its fake LLM is');
    llm = new FakeControlClient<FakeLlmRecord>(new URL(llmUrl).origin);
    const agents = await api<Array<{ id: string; is_default: boolean }>>('GET', '/api/agents');
    const agent = agents.body.find((a) => a.is_default);
    if (!agent) throw new Error(`no default agent: ${JSON.stringify(agents)}`);
    client = await BrowserVoiceClient.connect({ apiOrigin: `http://127.0.0.1:${run.portBase}`, apiKey: adminKey(run), agentId: agent.id });
    t0Ms = client.records[0]?.atMs ?? Date.now();
  }, BOOT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    // Only when a test failed half-way: leave nothing behind.
    await client?.close();
    if (fleet?.isRunning()) {
      fleet.child.kill('SIGKILL');
      await fleet.exited;
    }
    for (const pid of fleet?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await nats?.stop();
    if (run) {
      await dropDatabase(testInfra().serverUrl, run.env['DATABASE_URL'] ?? '');
      rmSync(join(run.home, '..'), { recursive: true, force: true });
    }
  });

  it('answers every utterance, or names the stage that failed, while workers, session-store and NATS crash', async () => {
    // A couple of ordinary turns first.
    await settle(await say('turn 1'));
    await settle(await say('turn 2'));

    // stt-gateway dies while the user is speaking.
    const sttStep = await say('stt killed mid-utterance', { killAt: { voicedMs: 400, kill: () => kill('stt-gateway', holderOf('stt-gateway')) } });
    await settle(sttStep);
    await settle(await say('after stt crash'));
    if (sttStep.disruption) await awaitBack(sttStep.disruption);

    // llm-router dies while its answer streams.
    const llmStep = await say('llm killed while streaming', { script: STREAMING_REPLY });
    await expectEventually(() => expect(client.events('ai_response_chunk', llmStep.utterance.startAtMs).length).toBeGreaterThanOrEqual(6), {
      timeoutMs: 15_000,
      context: context(llmStep.utterance.startAtMs),
    }).catch((error: unknown) => (llmStep.waitFailure = (error as Error).message));
    llmStep.disruption = kill('llm-router', holderOf('llm-router'));
    await settle(llmStep);
    await settle(await say('after llm crash'));
    await awaitBack(llmStep.disruption);

    // tts-gateway dies while the agent is speaking.
    const ttsStep = await say('tts killed while speaking', { script: SPOKEN_REPLY });
    await expectEventually(() => expect(client.audio(ttsStep.utterance.endAtMs).length).toBeGreaterThanOrEqual(25), {
      timeoutMs: 15_000,
      context: context(ttsStep.utterance.startAtMs),
    }).catch((error: unknown) => (ttsStep.waitFailure = (error as Error).message));
    ttsStep.disruption = kill('tts-gateway', holderOf('tts-gateway'));
    await settle(ttsStep);
    await settle(await say('after tts crash'));
    await awaitBack(ttsStep.disruption);

    // session-store dies as the user stops talking: the turn's facts arrive while it is gone.
    const storeStep = await say('session-store killed', { killAt: { voicedMs: VOICED_MS, kill: () => kill('session-store', 'session-store') } });
    await settle(storeStep);
    if (storeStep.disruption) await awaitBack(storeStep.disruption);
    await settle(await say('after session-store crash'));

    // The NATS server crashes, stays down for 5 s, and comes back on the same port and store.
    const broker: Disruption = { what: 'nats', process: 'nats-server', pid: nats.pid, atMs: Date.now(), notes: [] };
    disruptions.push(broker);
    await nats.kill();
    await sleep(NATS_DOWN_MS); // the outage itself, not a wait for a result
    await nats.restart();
    broker.backAtMs = Date.now();
    const afterNats = await say('right after NATS is back', { disruption: broker });
    const healthy = await expectEventually(
      async () => {
        const report = await fleetHealth(run);
        expect(report.services.map((s) => `${s.name}:${s.status}`)).toEqual(report.services.map((s) => `${s.name}:healthy`));
        return Date.now();
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch(() => undefined);
    broker.notes.push(`fleet health all healthy by ${clock(t0Ms)(healthy)} (polled from ${clock(t0Ms)(afterNats.utterance.endAtMs)})`);
    await settle(afterNats);
    await settle(await say('later after NATS'));
    // The user was told the bus was gone while it was, and that it came back — not left talking into silence.
    const busLost = client.events('service_error', broker.atMs).filter((e) => e.data.service === 'nats');
    const busBack = client.events('service_recovered', broker.atMs).filter((e) => e.data.service === 'nats');
    expect(busLost.map((e) => e.data.code)).toContain('unavailable');
    expect(busBack.length).toBeGreaterThan(0);
    expect(busBack[0]?.atMs ?? 0).toBeGreaterThanOrEqual(busLost[0]?.atMs ?? Number.POSITIVE_INFINITY);

    const outcomes: StepOutcome[] = steps.map((step, i) => outcomeOf(client, step, steps[i + 1]?.utterance.startAtMs ?? Date.now(), BACK_WITHIN_MS));
    const notes = disruptions.filter((d) => d.notes.length > 0).map((d) => `${d.process}: ${d.notes.join('; ')}`);
    const report = [outcomeTable(outcomes, t0Ms), ...notes].join('\n');
    console.log(`chaos conversation (session ${client.sessionId}):\n${report}`);

    const problems: string[] = [];
    const late: string[] = [];
    for (const outcome of outcomes) {
      const { step } = outcome;
      const around = `\n--- the client, from "${step.utterance.label}" on ---\n${clientLog(client.records, t0Ms, step.utterance.startAtMs, outcome.windowEndMs)}`;
      const services = outcome.errors.map((e) => e.service).filter((s): s is string => s !== undefined);
      // An answer, or an error naming the stage: never silence.
      if (!outcome.answered && services.length === 0) problems.push(`"${step.utterance.label}": neither an answer nor a service_error naming a stage${around}`);
      // A crash of a service that cost the answer is reported as that service (NATS is everyone's).
      else if (!outcome.answered && step.disruption && step.disruption.what !== 'nats' && !services.includes(step.disruption.what)) {
        problems.push(`"${step.utterance.label}": not answered, and the errors name ${services.join(', ')}, not ${step.disruption.what}${around}`);
      }
      if (outcome.reactionAtMs !== undefined && outcome.reactionAtMs > outcome.deadlineMs) {
        late.push(`"${step.utterance.label}": first reaction ${outcome.reactionAtMs - outcome.deadlineMs} ms after the deadline${around}`);
      }
    }
    expect(problems).toEqual([]);
    // The 2 s rule, on the recorded timestamps: the user learns the outcome (the final transcript of
    // an answered utterance, else the error) no later than 2 s after the end of the utterance or the
    // killed service being back, whichever is later.
    expect(late).toEqual([]);
  });

  it('stores every turn the user saw exactly once, with the words that were heard', async () => {
    const seen = seenTurns(client);
    expect(seen.length).toBeGreaterThan(0);
    const sessionId = client.sessionId ?? '';
    // Turns cut by a crash are written after the assembly timeout: wait for all of them.
    const messages = await expectEventually(
      async () => {
        const page = await api<MessageDto[]>('GET', `/api/sessions/${sessionId}/messages?limit=1000`);
        expect(page.status).toBe(200);
        const missing = seen.filter((turn) => storedTurn(page.body, turn.turnId).assistant.length === 0).map((turn) => turn.turnId);
        expect(missing).toEqual([]);
        return page.body;
      },
      { timeoutMs: TURN_ASSEMBLY_TIMEOUT_MS * 4, intervalMs: 250, context: context() },
    ).catch(async (error: unknown) => {
      console.log(`turns not all stored in time: ${(error as Error).message.split('\n')[0]}`);
      return (await api<MessageDto[]>('GET', `/api/sessions/${sessionId}/messages?limit=1000`)).body;
    });

    /** A turn under way (its final transcript in, not yet ended) when llm-router or tts-gateway was killed. */
    const cutByCrash = (turn: SeenTurn): Disruption | undefined =>
      disruptions.find(
        (d) =>
          (d.what === 'llm-router' || d.what === 'tts-gateway') &&
          turn.finalAtMs !== undefined &&
          turn.finalAtMs < d.atMs &&
          (turn.ended === undefined || turn.ended.atMs > d.atMs),
      );
    const problems: string[] = [];
    for (const turn of seen) {
      const stored = storedTurn(messages, turn.turnId);
      const assistant = stored.assistant[0];
      // What the user heard: the heard_text of its end; with no end seen, nothing if no audio came
      // (else some prefix of the streamed answer, which the client cannot know exactly).
      const heardNothing = turn.ended === undefined && turn.audioFrames === 0;
      const expected = {
        interrupted:
          turn.ended?.state === 'interrupted' || turn.error !== undefined || cutByCrash(turn) !== undefined || heardNothing
            ? true
            : turn.ended?.state === 'done'
              ? false
              : undefined,
        content: turn.ended?.heardText ?? (heardNothing ? '' : undefined),
      };
      const wrong =
        stored.user.length !== 1 ||
        stored.assistant.length !== 1 ||
        (expected.interrupted !== undefined && assistant?.interrupted !== expected.interrupted) ||
        (expected.content !== undefined && assistant?.content !== expected.content) ||
        (expected.content === undefined && !turn.chunksText.startsWith(assistant?.content.trim() ?? '')) ||
        (turn.userText !== undefined && stored.user[0]?.content !== turn.userText);
      if (wrong) {
        const { turnId: _id, ...sawOfIt } = turn;
        problems.push(
          `turn ${turn.turnId}: the client saw ${JSON.stringify(sawOfIt)}; ` +
            `stored ${JSON.stringify({ user: stored.user.map((m) => m.content), assistant: stored.assistant.map((m) => ({ interrupted: m.interrupted, content: m.content })) })}; ` +
            `expected one user and one assistant message, interrupted=${expected.interrupted ?? 'either'}, ` +
            (expected.content === undefined ? 'content a prefix of the streamed reply' : `content ${JSON.stringify(expected.content)}`) +
            `\n--- the client around it ---\n${clientLog(client.records, t0Ms, (turn.finalAtMs ?? 0) - 3_000, (turn.ended?.atMs ?? turn.finalAtMs ?? 0) + 3_000)}`,
        );
      }
    }
    // Nothing stored twice, whatever the client saw.
    const counts = new Map<string, number>();
    for (const m of messages) if (m.turn_id) counts.set(`${m.turn_id}/${m.role}`, (counts.get(`${m.turn_id}/${m.role}`) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
    console.log(
      `stored turns (session ${sessionId}):\n${messages
        .filter((m) => m.role === 'assistant')
        .map((m) => `${m.turn_id} interrupted=${m.interrupted} ${JSON.stringify(m.content)}`)
        .join('\n')}`,
    );
    expect(twice).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('stops cleanly: the fleet exits 0 on SIGTERM leaving no process, and the NATS server, its store and the database go', async () => {
    await client.end();
    const pids = fleet.allPids();
    fleet.child.kill('SIGTERM');
    const exit = await fleet.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(`VOXBRIDGE_NAMESPACE=${run.namespace}`)).toEqual([]);

    await nats.stop();
    expect(existsSync(nats.storeDir)).toBe(false);
    expect(await canConnect('127.0.0.1', nats.port)).toBe(false);

    const databaseUrl = run.env['DATABASE_URL'] ?? '';
    await dropDatabase(testInfra().serverUrl, databaseUrl);
    const pg = new Client({ connectionString: testInfra().serverUrl });
    await pg.connect();
    try {
      const { rows } = await pg.query('select 1 from pg_database where datname = $1', [decodeURIComponent(new URL(databaseUrl).pathname.slice(1))]);
      expect(rows).toEqual([]);
    } finally {
      await pg.end();
    }
  });
});
