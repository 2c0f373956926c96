/**
 * `npm run bench:api` — load against a running fleet (`npm start`), printing medians and
 * percentiles. Not a test: figures depend on the machine; record them in the README.
 *
 *  1. GET /api/agents/:id at a fixed arrival rate (open loop: latency is measured from when each
 *     request was due, so a stall is not hidden by sending less — no coordinated omission).
 *  2. Turn commits: TurnCommittedEvents for BENCH_SESSIONS conversations published to JetStream as
 *     fast as acks allow, timed until session-store has written every one to Postgres (seen
 *     through the REST API).
 *
 * Env: VOXBRIDGE_API_URL (http://127.0.0.1:4900), VOXBRIDGE_API_KEY (else .voxbridge/admin-key),
 * NATS_URL (nats://127.0.0.1:4222), VOXBRIDGE_NAMESPACE (vb), BENCH_RATE (200), BENCH_SECONDS (10),
 * BENCH_TURNS (5000), BENCH_SESSIONS (20).
 */
import { Bus } from '@voxbridge/bus';
import { SessionSubjects, type SessionDto } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { formatSummary, summarize } from './stats';

const env = process.env;
const apiUrl = (env['VOXBRIDGE_API_URL'] ?? 'http://127.0.0.1:4900').replace(/\/$/, '');
const rate = Number(env['BENCH_RATE'] ?? 200);
const seconds = Number(env['BENCH_SECONDS'] ?? 10);
const turns = Number(env['BENCH_TURNS'] ?? 5000);
const sessionCount = Number(env['BENCH_SESSIONS'] ?? 20);

function apiKey(): string {
  if (env['VOXBRIDGE_API_KEY']) return env['VOXBRIDGE_API_KEY'];
  const file = join(env['VOXBRIDGE_HOME'] ?? join(__dirname, '..', '..', '..', '.voxbridge'), 'admin-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`no API key: set VOXBRIDGE_API_KEY or start the fleet with npm start (it writes ${file})`);
  }
}

const key = apiKey();
setGlobalDispatcher(new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 }));

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function benchAgentGet(agentId: string): Promise<void> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  // Warm up connections and caches first.
  await Promise.all(Array.from({ length: 50 }, () => api('GET', `/api/agents/${agentId}`)));
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    await sleep(due - performance.now());
    inflight.push(
      api('GET', `/api/agents/${agentId}`).then(
        ({ status }) => {
          if (status === 200) latencies.push(performance.now() - due);
          else errors += 1;
        },
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(inflight);
  const elapsedS = (performance.now() - start) / 1000;
  console.log(`GET /api/agents/:id at ${rate} req/s for ${seconds} s (${(total / elapsedS).toFixed(0)} req/s achieved, ${errors} errors)`);
  console.log(`  ${formatSummary(summarize(latencies))}`);
}

async function benchTurnCommits(agentId: string): Promise<void> {
  const bus = await Bus.connect({ servers: (env['NATS_URL'] ?? 'nats://127.0.0.1:4222').split(','), namespace: env['VOXBRIDGE_NAMESPACE'] ?? 'vb', name: 'bench' });
  const sessionIds: string[] = [];
  for (let i = 0; i < sessionCount; i++) {
    const created = await api<SessionDto>('POST', '/api/sessions', { user_id: 'bench', agent_id: agentId, title: 'bench', session_type: 'api' });
    if (created.status !== 201) throw new Error(`cannot create a session: ${created.status} ${JSON.stringify(created.body)}`);
    sessionIds.push(created.body.id);
  }
  const ackLatencies: number[] = [];
  const start = performance.now();
  const window = 256;
  let next = 0;
  const worker = async () => {
    while (next < turns) {
      const sessionId = sessionIds[next % sessionIds.length] ?? '';
      next += 1;
      const sent = performance.now();
      await bus.publishDurable(SessionSubjects.turnCommitted, {
        turn_id: randomUUID(),
        session_id: sessionId,
        agent_id: agentId,
        user_text: 'What is the weather like on Mars today?',
        assistant_text: 'Cold and dusty, with a chance of more dust.',
        interrupted: false,
        stt_latency_ms: 120,
        llm_ttft_ms: 340,
        tts_ttfb_ms: 90,
        total_latency_ms: 610,
        overhead_ms: 4,
        provider: 'bench',
        model: 'bench',
        committed_at: new Date().toISOString(),
      });
      ackLatencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  const publishedMs = performance.now() - start;
  let stored = 0;
  for (;;) {
    const sessions = await Promise.all(sessionIds.map((id) => api<SessionDto>('GET', `/api/sessions/${id}`)));
    stored = sessions.reduce((sum, session) => sum + session.body.message_count / 2, 0);
    if (stored >= turns || performance.now() - start > 300_000) break;
    await sleep(50);
  }
  const storedMs = performance.now() - start;
  console.log(`Turn commits: ${turns} turns over ${sessionCount} sessions published to JetStream in ${(publishedMs / 1000).toFixed(2)} s (${(turns / (publishedMs / 1000)).toFixed(0)} turns/s acked)`);
  console.log(`  publish→ack ${formatSummary(summarize(ackLatencies))}`);
  console.log(`  ${stored} of ${turns} stored in Postgres after ${(storedMs / 1000).toFixed(2)} s: ${(stored / (storedMs / 1000)).toFixed(0)} turns/s end to end`);
  for (const id of sessionIds) await api('DELETE', `/api/sessions/${id}`);
  await bus.drain();
}

async function main(): Promise<void> {
  const agents = await api<Array<{ id: string }>>('GET', '/api/agents');
  if (agents.status !== 200) throw new Error(`GET /api/agents answered ${agents.status}: is the fleet running (npm start) and the key valid?`);
  const agentId = agents.body[0]?.id;
  if (!agentId) throw new Error('no agent to read: create one first');
  console.log(`bench:api against ${apiUrl}`);
  await benchAgentGet(agentId);
  await benchTurnCommits(agentId);
}

main().catch((error: unknown) => {
  console.error(`bench:api failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
