import { differences, type DatabaseChecksum, type Snapshot } from './db-checksum';
import type { HttpCase } from './http-cases';
import { runHttpCase, type Credentials, type HttpOutcome } from './http-runner';
import { chunks, mapBounded } from './pool';

export interface CaseFailure {
  testCase: HttpCase;
  outcome?: HttpOutcome;
  problems: string[];
}

export interface PhaseOptions {
  baseUrl: string;
  keys: Credentials;
  db: DatabaseChecksum;
  concurrency: number;
  chunkSize: number;
}

/** Snapshots until two in a row agree (an accepted request may still be writing, e.g. a chat turn). */
async function settled(db: DatabaseChecksum, boundMs = 10_000): Promise<Snapshot> {
  const until = Date.now() + boundMs;
  let last = await db.snapshot();
  let stableSince = Date.now();
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await db.snapshot();
    if (differences(last, next).length > 0) stableSince = Date.now();
    else if (Date.now() - stableSince >= 200) return next;
    last = next;
  }
  return last;
}

/** One case alone, between two snapshots: did a refusal change anything? */
async function runIsolated(options: PhaseOptions, testCase: HttpCase, failures: CaseFailure[], note: string): Promise<HttpOutcome> {
  const before = await options.db.snapshot();
  const outcome = await runHttpCase(options.baseUrl, testCase, options.keys);
  if (outcome.problems.length > 0) failures.push({ testCase, outcome, problems: outcome.problems });
  if (outcome.status >= 200 && outcome.status < 300) {
    // Accepted: its writes are legitimate. A chat turn is stored after the answer (durable event): wait for it.
    if (testCase.path.includes('/chat')) await settled(options.db);
    return outcome;
  }
  const changed = differences(before, await options.db.snapshot());
  if (changed.length > 0) failures.push({ testCase, outcome, problems: [`refused (${outcome.status}) but changed the database${note}: ${changed.join('; ')}`] });
  return outcome;
}

/**
 * Cases that must all be refused: `concurrency` at a time in chunks, with a snapshot of the
 * database around each chunk. A chunk that changed something (or in which a case was wrongly
 * accepted) has its refused writes replayed one by one between snapshots, to name the culprit.
 */
export async function runRejectPhase(options: PhaseOptions, cases: HttpCase[], failures: CaseFailure[]): Promise<HttpOutcome[]> {
  const all: HttpOutcome[] = [];
  for (const chunk of chunks(cases, options.chunkSize)) {
    const before = await options.db.snapshot();
    const outcomes = await mapBounded(chunk, options.concurrency, (testCase) => runHttpCase(options.baseUrl, testCase, options.keys));
    all.push(...outcomes);
    chunk.forEach((testCase, i) => {
      const outcome = outcomes[i] as HttpOutcome;
      if (outcome.problems.length > 0) failures.push({ testCase, outcome, problems: outcome.problems });
    });
    const accepted = outcomes.some((o) => o.acceptedWrite);
    const after = accepted ? await settled(options.db) : await options.db.snapshot();
    const changed = differences(before, after);
    if (changed.length === 0) continue;
    const suspects = chunk.filter((testCase, i) => testCase.method !== 'GET' && !(outcomes[i] as HttpOutcome).acceptedWrite);
    const found = failures.length;
    for (const testCase of suspects) await runIsolated(options, testCase, failures, ' (found on replay)');
    if (!accepted && failures.length === found) {
      failures.push({
        testCase: chunk[0] as HttpCase,
        problems: [`the chunk of cases #${chunk[0]?.id}..#${chunk[chunk.length - 1]?.id} was all refused but changed the database (${changed.join('; ')}); no single case did so again on replay`],
      });
    }
  }
  return all;
}

/** Cases the schema admits (a 2xx is fine): one at a time between snapshots, so a refusal that still wrote is caught. */
export async function runIsolatedPhase(options: PhaseOptions, cases: HttpCase[], failures: CaseFailure[]): Promise<HttpOutcome[]> {
  const all: HttpOutcome[] = [];
  let lastAccepted: HttpCase | undefined;
  for (const testCase of cases) {
    if (testCase.method === 'GET') {
      const [outcome] = await mapBounded([testCase], 1, (c) => runHttpCase(options.baseUrl, c, options.keys));
      if (outcome && outcome.problems.length > 0) failures.push({ testCase, outcome, problems: outcome.problems });
      if (outcome) all.push(outcome);
      continue;
    }
    const outcome = await runIsolated(options, testCase, failures, lastAccepted ? ` (the last accepted write before it: #${lastAccepted.id})` : '');
    if (outcome.acceptedWrite) lastAccepted = testCase;
    all.push(outcome);
  }
  return all;
}
