/**
 * `bench:voice` figures: what the workers and the stored turns say, folded into one run's figures,
 * and the tables printed for a sweep of runs.
 */
import type { MessageDto } from '@voxbridge/contracts';
import type { ProfileSummary } from './cpu-profile';
import { summarize, type Summary } from './stats';
import {
  allMet,
  cpuMsPerSessionMinute,
  generatorValidity,
  GENERATOR_LIMITS,
  logLineSummary,
  percentText,
  TARGETS,
  targetVerdicts,
  timelineMarks,
  timelineSpans,
  totalOf,
  turnCountErrors,
  type TargetName,
  type TargetVerdicts,
  type Validity,
} from './voice-metrics';
import { SCRIPT, type ResponseResult, type SessionResult, type WorkerReport } from './voice-protocol';

export interface StoredTurns {
  /** Stored user turns per session id. */
  userTurns: Map<string, number>;
  /** Platform overhead of each stored assistant turn that has one, ms. */
  overheadsMs: number[];
  /** The stored assistant turns as the API returned them. */
  assistant: Array<Partial<MessageDto>>;
}

/** The fleet's own latency figures of the stored turns, and how the browser's latency compares. */
export interface StoredLatencies {
  stt_latency_ms: Summary;
  llm_ttft_ms: Summary;
  tts_ttfb_ms: Summary;
  /** The fleet's clock: last voiced sample → first frame (the timeline's total_ms, else total_latency_ms). */
  total_latency_ms: Summary;
  /**
   * Per turn, the browser's latency − the stored total: the browser → gateway → bus hop of the
   * last voiced frame, the first frame's way back to the browser, and anything the fleet's marks miss.
   */
  outside_total_ms: Summary;
  /** Browser sent the last voiced frame → the fleet's `speech_end` mark (the mark is that frame's end as stamped on arrival). */
  inbound_ms: Summary;
  /** inbound_ms per scripted utterance (0, 1, 2): a clock that drifts grows along the conversation. */
  inbound_by_utterance_ms: Summary[];
  /** The fleet's `first_frame_sent` mark → the browser received that frame. */
  outbound_ms: Summary;
  /** The timeline's spans, by name, when the stored turns have timelines. */
  spans: Record<string, { owner: string; durationMs: Summary }>;
  /** First voiced frame sent → `speech_started` received, per utterance. */
  speech_detected_ms: Summary;
  /** `speech_started.at_ms` − when it was received: > 0 means stt-gateway's speech clock runs ahead of real time. */
  capture_clock_ahead_ms: Summary;
  /** Stored assistant turns with a timeline, and with a complete one (an overhead). */
  timelines: { present: number; complete: number; of: number };
}

/** The stored turn's `timeline`, read without trusting its shape (the DTO is still changing). */
function timelineOf(message: object): Record<string, unknown> | null {
  const timeline = (message as { timeline?: unknown }).timeline;
  return typeof timeline === 'object' && timeline !== null ? (timeline as Record<string, unknown>) : null;
}

function storedLatencies(assistant: ReadonlyArray<Partial<MessageDto>>, responses: readonly ResponseResult[]): StoredLatencies {
  const byTurn = new Map(responses.flatMap((r) => (r.turnId ? [[r.turnId, r] as const] : [])));
  const clientLatencyByTurn = new Map(responses.flatMap((r) => (r.turnId && r.latencyMs !== null ? [[r.turnId, r.latencyMs] as const] : [])));
  const inbound: number[] = [];
  const inboundByUtterance: number[][] = Array.from({ length: SCRIPT.utterances }, () => []);
  const outbound: number[] = [];
  for (const m of assistant) {
    const response = m.turn_id ? byTurn.get(m.turn_id) : undefined;
    const marks = timelineMarks(m);
    if (!response) continue;
    if (marks['speech_end'] !== undefined) {
      inbound.push(marks['speech_end'] - response.speechEndAtMs);
      inboundByUtterance[response.utterance]?.push(marks['speech_end'] - response.speechEndAtMs);
    }
    if (marks['first_frame_sent'] !== undefined && response.firstFrameAtMs !== null) outbound.push(response.firstFrameAtMs - marks['first_frame_sent']);
  }
  const values = (key: 'stt_latency_ms' | 'llm_ttft_ms' | 'tts_ttfb_ms') =>
    summarize(assistant.flatMap((m) => (typeof m[key] === 'number' ? [m[key]] : [])));
  const outside = assistant.flatMap((m) => {
    const client = m.turn_id ? clientLatencyByTurn.get(m.turn_id) : undefined;
    const total = totalOf(m);
    return client !== undefined && total !== null ? [client - total] : [];
  });
  const byName = new Map<string, { owner: string; values: number[] }>();
  for (const span of assistant.flatMap(timelineSpans)) {
    const entry = byName.get(span.name) ?? { owner: span.owner, values: [] };
    entry.values.push(span.durationMs);
    byName.set(span.name, entry);
  }
  return {
    stt_latency_ms: values('stt_latency_ms'),
    llm_ttft_ms: values('llm_ttft_ms'),
    tts_ttfb_ms: values('tts_ttfb_ms'),
    total_latency_ms: summarize(assistant.flatMap((m) => totalOf(m) ?? [])),
    outside_total_ms: summarize(outside),
    speech_detected_ms: summarize(responses.flatMap((r) => r.speechDetectedMs ?? [])),
    capture_clock_ahead_ms: summarize(responses.flatMap((r) => r.captureClockAheadMs ?? [])),
    inbound_ms: summarize(inbound),
    inbound_by_utterance_ms: inboundByUtterance.map((values) => summarize(values)),
    outbound_ms: summarize(outbound),
    spans: Object.fromEntries([...byName].map(([name, { owner, values: v }]) => [name, { owner, durationMs: summarize(v) }])),
    timelines: {
      present: assistant.filter((m) => timelineOf(m) !== null).length,
      complete: assistant.filter((m) => typeof timelineOf(m)?.['overhead_ms'] === 'number').length,
      of: assistant.length,
    },
  };
}

export interface ResourceUse {
  cpuMs: number;
  cpuMsPerSessionMinute: number | null;
  peakRssMb: number;
}

export interface RunFigures {
  sessions: number;
  workers: number;
  validity: Validity;
  generator: {
    lagP99Ms: number;
    lagMaxMs: number;
    micOffsetP99Ms: number;
    framesSent: number;
    framesOffSchedule: number;
    /** Each worker's own figures. */
    workers: Array<WorkerReport['lag'] & WorkerReport['mic'] & { sessions: number }>;
  };
  /** Σ socket-open time of the sessions. */
  sessionMinutes: number;
  /** Conversations that ran to their end (every answer ended): lost frames and the marks comparison come from these. */
  cleanSessions: number;
  /** Answers of which no frame came within the wait (counted in the turn latency as that wait). */
  answersNeverHeard: number;
  turnLatencyMs: Summary;
  overheadMs: Summary;
  stored: StoredLatencies;
  bargeInMs: Summary;
  bargeInsMissed: number;
  framesReceived: number;
  /** null: not measured (run without the bus tap). */
  lostFrames: number | null;
  lateFrames: number;
  lateFraction: number | null;
  /** Times a player with a 100 ms buffer would have run dry, over all turns, and for how long. */
  stalls: number;
  stalledMs: number;
  storedUserTurns: number;
  spuriousTurns: number;
  missingTurns: number;
  unexpectedFrames: number;
  answersTimedOut: number;
  sessionErrors: string[];
  /** Per service (and the launcher with the fake providers, Postgres, NATS, the generator, the rest of the machine). */
  resources: Record<string, ResourceUse>;
  /** Launcher lines about crashes or restarts while the sessions ran. */
  disturbances: string[];
  /** Warnings and errors the services logged while the sessions ran: how many, and the first few. */
  fleetLog: { lines: number; first: string[] };
  machine: MachineUse;
  verdicts: TargetVerdicts;
  profiles?: Record<string, ProfileSummary>;
}

export interface MachineUse {
  cores: number;
  /** From the first session's start to the last one's end. */
  windowMs: number;
  /** Share of all cores busy over the window, %. */
  busyPercent: number;
  /** Share of all cores used by processes that are neither the fleet, its NATS and Postgres, nor the generator, %. */
  otherPercent: number;
}

export interface RunInputs {
  sessions: number;
  reports: WorkerReport[];
  stored: StoredTurns;
  /** CPU ms and peak RSS per process group over the sessions' window. */
  usage: Map<string, { cpuMs: number; peakRssMb: number }>;
  disturbances: string[];
  serviceLines: string[];
  machine: MachineUse;
}

/** A conversation's answers up to and including the first that never ended: after it, frames may be the wrong turn's. */
function trustedAnswers(session: SessionResult): ResponseResult[] {
  const firstTimeout = session.responses.findIndex((r) => r.outcome === 'timeout');
  return firstTimeout < 0 ? session.responses : session.responses.slice(0, firstTimeout + 1);
}

/** Turn latencies; an answer the browser never heard counts as the wait it gave up after, so it cannot flatter the tail. */
function latencySamples(sessions: readonly SessionResult[]): number[] {
  return sessions.flatMap((s) => trustedAnswers(s).map((r) => r.latencyMs ?? SCRIPT.turnTimeoutMs));
}

export function runFigures({ sessions, reports, stored, usage, disturbances, serviceLines, machine }: RunInputs): RunFigures {
  const results: SessionResult[] = reports.flatMap((r) => r.sessions).sort((a, b) => a.index - b.index);
  const responses = results.flatMap((s) => s.responses);
  // Frames carry no turn id on the socket, so they are told apart by order; once a conversation
  // broke down (an error, an answer that never ended) that order is no proof of which turn a
  // frame was. Lost frames and the comparison with the fleet's marks use the clean ones only.
  const clean = results.filter((s) => !s.error && s.responses.length === SCRIPT.utterances && s.responses.every((r) => r.outcome !== 'timeout'));
  const cleanResponses = clean.flatMap((s) => s.responses);
  const sessionMs = results.reduce((sum, s) => sum + s.durationMs, 0);
  const framesReceived = responses.reduce((sum, r) => sum + r.framesReceived, 0);
  const lateFrames = responses.reduce((sum, r) => sum + r.lateFrames, 0);
  // Turns that could not be judged (no published count, or no end) are left out; none judged: not measured.
  const judged = cleanResponses.flatMap((r) => (r.lostFrames === null ? [] : [r.lostFrames]));
  const lostFrames = judged.length > 0 ? judged.reduce((sum, n) => sum + n, 0) : null;
  let spuriousTurns = 0;
  let missingTurns = 0;
  let storedUserTurns = 0;
  for (const s of results) {
    const count = s.sessionId ? (stored.userTurns.get(s.sessionId) ?? 0) : 0;
    storedUserTurns += count;
    const errors = turnCountErrors(count, SCRIPT.utterances);
    spuriousTurns += errors.spurious;
    missingTurns += errors.missing;
  }
  const bargeIns = results.flatMap((s) => (s.bargeInMs === null ? [] : [s.bargeInMs]));
  const bargeInsMissed = results.filter((s) => s.bargeInMissed).length;
  const overheadMs = summarize(stored.overheadsMs);
  const bargeInMs = summarize(bargeIns);
  const resources: Record<string, ResourceUse> = {};
  for (const [name, use] of usage) resources[name] = { ...use, cpuMsPerSessionMinute: cpuMsPerSessionMinute(use.cpuMs, sessionMs) };
  const workers = reports.map((r) => ({ lagP99Ms: r.lag.p99Ms, framesSent: r.mic.framesSent, framesOffSchedule: r.mic.framesOffSchedule }));
  const figures: Omit<RunFigures, 'verdicts'> = {
    sessions,
    workers: reports.length,
    validity: generatorValidity(workers),
    generator: {
      lagP99Ms: Math.max(0, ...reports.map((r) => r.lag.p99Ms)),
      lagMaxMs: Math.max(0, ...reports.map((r) => r.lag.maxMs)),
      micOffsetP99Ms: Math.max(0, ...reports.map((r) => r.mic.offsetP99Ms)),
      framesSent: workers.reduce((sum, w) => sum + w.framesSent, 0),
      framesOffSchedule: workers.reduce((sum, w) => sum + w.framesOffSchedule, 0),
      workers: reports.map((r) => ({ ...r.lag, ...r.mic, sessions: r.sessions.length })),
    },
    sessionMinutes: sessionMs / 60_000,
    turnLatencyMs: summarize(latencySamples(results)),
    answersNeverHeard: results.reduce((sum, s) => sum + trustedAnswers(s).filter((r) => r.latencyMs === null).length, 0),
    cleanSessions: clean.length,
    overheadMs,
    stored: storedLatencies(stored.assistant, cleanResponses),
    bargeInMs,
    bargeInsMissed,
    framesReceived,
    lostFrames,
    lateFrames,
    lateFraction: framesReceived > 0 ? lateFrames / framesReceived : null,
    stalls: responses.reduce((sum, r) => sum + r.stalls, 0),
    stalledMs: responses.reduce((sum, r) => sum + r.stalledMs, 0),
    storedUserTurns,
    spuriousTurns,
    missingTurns,
    unexpectedFrames: results.reduce((sum, s) => sum + s.unexpectedFrames, 0),
    answersTimedOut: responses.filter((r) => r.outcome === 'timeout').length,
    sessionErrors: results.flatMap((s) => (s.error ? [`session ${s.index}: ${s.error}`] : [])),
    resources,
    disturbances,
    fleetLog: { lines: serviceLines.length, first: [...new Set(serviceLines.map(logLineSummary))].slice(0, 5) },
    machine,
  };
  const verdicts = targetVerdicts({
    overheadP95Ms: overheadMs.count > 0 ? overheadMs.p95 : null,
    bargeInP95Ms: bargeInMs.count > 0 ? bargeInMs.p95 : null,
    bargeInsMissed,
    lostFrames,
    lateFrames,
    framesReceived,
    spuriousTurns,
    missingTurns,
  });
  return { ...figures, verdicts };
}

// ---- printing -------------------------------------------------------------------------------------

const ms = (v: number | null | undefined, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${v.toFixed(digits)}`);

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

const verdictText = (v: boolean | null) => (v === null ? 'not measured' : v ? 'met' : 'NOT met');

export const TARGET_LABELS: Record<TargetName, string> = {
  overhead: `overhead p95 ≤ ${TARGETS.overheadP95Ms} ms`,
  barge_in: `barge-in p95 ≤ ${TARGETS.bargeInP95Ms} ms`,
  lost_frames: `${TARGETS.lostFrames} lost frames`,
  late_frames: `≤ ${percentText(TARGETS.lateFraction)} late frames`,
  turns: `${TARGETS.turnErrors} spurious or missing turns`,
};

/** The main table: one row per run; an invalid run shows why instead of fleet figures. */
export function resultsTable(runs: readonly RunFigures[]): string[] {
  const header = ['sessions', 'generator lag p99', 'valid', 'turn latency p50 / p95 / p99 (ms)', 'overhead p95', 'barge-in p95', 'lost frames', 'late frames (%); player stalls', 'spurious / missing turns', 'targets'];
  const rows = runs.map((run) => {
    const lag = `${ms(run.generator.lagP99Ms, 1)} ms`;
    if (!run.validity.valid) return [String(run.sessions), lag, 'NO', 'not reported: the load generator lagged', '', '', '', '', '', ''];
    const l = run.turnLatencyMs;
    const met = Object.values(run.verdicts).filter((v) => v === true).length;
    return [
      String(run.sessions),
      lag,
      'yes',
      `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`,
      `${ms(run.overheadMs.p95)} ms`,
      `${ms(run.bargeInMs.p95)} ms${run.bargeInsMissed ? ` (${run.bargeInsMissed} missed)` : ''}`,
      run.lostFrames === null ? 'not measured' : String(run.lostFrames),
      `${run.lateFrames} (${run.lateFraction === null ? '–' : percentText(run.lateFraction)}); ${run.stalls} stalls, ${ms(run.stalledMs / 1000, 1)} s`,
      `${run.spuriousTurns} / ${run.missingTurns}`,
      allMet(run.verdicts) ? 'all met' : `${met} of ${Object.keys(run.verdicts).length} met`,
    ];
  });
  return table(header, rows);
}

/** Process groups the bench reports that are not the fleet: the remote providers' stand-ins and the load. */
export const LAUNCHER = 'launcher (fake providers)';
export const GENERATOR = 'load generator (bench)';

/**
 * What one conversation costs the fleet (its services, NATS and Postgres; not the fake providers
 * or the generator), in CPU-ms per session-minute, and how many conversations the machine's cores
 * could carry at that cost if they did nothing else (100 % busy) — the ceiling no tuning of
 * latencies can lift.
 */
export function cpuBudget(run: RunFigures): { fleetCpuMsPerSessionMinute: number; sessionsAtFullCpu: number | null } {
  const fleet = Object.entries(run.resources)
    .filter(([name]) => name !== LAUNCHER && name !== GENERATOR)
    .reduce((sum, [, use]) => sum + (use.cpuMsPerSessionMinute ?? 0), 0);
  return { fleetCpuMsPerSessionMinute: fleet, sessionsAtFullCpu: fleet > 0 ? Math.floor((run.machine.cores * 60_000) / fleet) : null };
}

/** CPU-ms per session-minute and peak RSS per process group, one column per run, and the CPU budget. */
export function resourceTable(runs: readonly RunFigures[]): string[] {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.resources)))];
  const header = ['process', ...runs.map((run) => `${run.sessions} sessions: CPU-ms / session-min, peak RSS`)];
  const rows = names.map((name) => [
    name,
    ...runs.map((run) => {
      const use = run.resources[name];
      if (!use) return '–';
      if (!run.validity.valid) return 'not reported';
      return `${ms(use.cpuMsPerSessionMinute)}, ${ms(use.peakRssMb)} MB`;
    }),
  ]);
  rows.push(['machine: busy / other work, % of all cores', ...runs.map((run) => `${ms(run.machine.busyPercent)} % / ${ms(run.machine.otherPercent)} %`)]);
  const budgets = runs.map((run) => (run.validity.valid ? cpuBudget(run) : null));
  rows.push(['fleet (services, NATS, Postgres): CPU-ms / session-min', ...budgets.map((b) => (b ? ms(b.fleetCpuMsPerSessionMinute) : 'not reported'))]);
  rows.push([`sessions the cores carry at that cost, 100 % busy`, ...budgets.map((b) => (b ? ms(b.sessionsAtFullCpu) : 'not reported'))]);
  return table(header, rows);
}

/** Each run's verdicts, the targets' own session count called out, and the largest passing count. */
export function targetLines(runs: readonly RunFigures[], largest: number | null): string[] {
  const lines = [`Targets (set for ${TARGETS.atSessions} sessions): ${Object.values(TARGET_LABELS).join(', ')}`];
  for (const run of runs) {
    const at = run.sessions === TARGETS.atSessions ? '  ← the targets’ session count' : '';
    if (!run.validity.valid) {
      lines.push(`  ${run.sessions} sessions: INVALID run, not judged${at}`);
      continue;
    }
    const parts = (Object.keys(TARGET_LABELS) as TargetName[]).map((name) => `${name.replace('_', '-')} ${verdictText(run.verdicts[name])}`);
    lines.push(`  ${run.sessions} sessions: ${parts.join(', ')}${at}`);
  }
  if (!runs.some((run) => run.sessions === TARGETS.atSessions)) lines.push(`  (no run at ${TARGETS.atSessions} sessions: add it to --sweep to judge the targets where they are set)`);
  lines.push(`Largest session count of this run that is valid and meets every target: ${largest ?? 'none'}`);
  return lines;
}

/** Why a run is invalid or disturbed, and what failed in it. */
export function noteLines(run: RunFigures): string[] {
  const lines: string[] = [];
  if (!run.validity.valid) {
    lines.push(`${run.sessions} sessions: INVALID — the load generator did not keep time, so its fleet figures are not results:`);
    run.validity.reasons.forEach((reason) => lines.push(`    ${reason}`));
  }
  if (run.machine.otherPercent > 10) {
    lines.push(`${run.sessions} sessions: other work used ${run.machine.otherPercent.toFixed(0)} % of the ${run.machine.cores} cores during the run — figures may be disturbed; repeat on a quieter machine`);
  }
  if (run.disturbances.length > 0) lines.push(`${run.sessions} sessions: the fleet was disturbed: ${run.disturbances.slice(0, 3).join(' / ')}`);
  if (run.fleetLog.lines > 0) lines.push(`${run.sessions} sessions: the services logged ${run.fleetLog.lines} warning/error line(s), e.g. ${run.fleetLog.first.join(' | ')}`);
  if (run.sessionErrors.length > 0) lines.push(`${run.sessions} sessions: ${run.sessionErrors.length} conversation(s) failed, e.g. ${run.sessionErrors.slice(0, 3).join('; ')}`);
  if (run.answersTimedOut > 0) {
    lines.push(
      `${run.sessions} sessions: ${run.answersTimedOut} answer(s) did not end within ${SCRIPT.turnTimeoutMs / 1000} s; ${run.answersNeverHeard} were never heard at all (in the turn latency as ${SCRIPT.turnTimeoutMs} ms); answers after one that never ended are left out of it`,
    );
  }
  if (run.cleanSessions < run.sessions) lines.push(`${run.sessions} sessions: lost frames and the comparison with the fleet's marks come from the ${run.cleanSessions} conversations that ran to their end`);
  if (run.unexpectedFrames > 0) lines.push(`${run.sessions} sessions: ${run.unexpectedFrames} agent frame(s) came when no answer was expected`);
  return lines;
}

export const VALIDITY_RULE = `A run is valid when every worker's event-loop lag p99 is ≤ ${GENERATOR_LIMITS.lagP99Ms} ms and ≤ ${percentText(GENERATOR_LIMITS.offScheduleFraction)} of the microphone frames went > ${GENERATOR_LIMITS.offScheduleMs} ms off schedule.`;

/** Where a valid run's turn latency goes, at the median: the fleet's own clock and what lies outside it. */
export function timeLines(run: RunFigures): string[] {
  if (!run.validity.valid || run.turnLatencyMs.count === 0) return [];
  const { stored } = run;
  return [
    `Where the time goes, ${run.sessions} sessions (p50 / p95, ms): browser turn latency ${ms(run.turnLatencyMs.p50)} / ${ms(run.turnLatencyMs.p95)}` +
      ` = fleet total ${ms(stored.total_latency_ms.p50)} / ${ms(stored.total_latency_ms.p95)}` +
      ` (STT ${ms(stored.stt_latency_ms.p50)}, LLM TTFT ${ms(stored.llm_ttft_ms.p50)}, TTS TTFB ${ms(stored.tts_ttfb_ms.p50)}, overhead ${ms(run.overheadMs.p50)} / ${ms(run.overheadMs.p95)};` +
      ` the rest is the end-of-turn silence and the LLM writing its first sentence)` +
      ` + outside the fleet's clock ${ms(stored.outside_total_ms.p50)} / ${ms(stored.outside_total_ms.p95)}` +
      ` (in: browser sent the last voiced frame → speech_end mark ${ms(stored.inbound_ms.p50)} / ${ms(stored.inbound_ms.p95)},` +
      ` p50 by utterance ${stored.inbound_by_utterance_ms.map((u) => ms(u.p50)).join(' → ')};` +
      ` out: first_frame_sent mark → browser received it ${ms(stored.outbound_ms.p50)} / ${ms(stored.outbound_ms.p95)})`,
    `  speech_started reached the browser ${ms(stored.speech_detected_ms.p50)} / ${ms(stored.speech_detected_ms.p95)} ms after its first voiced frame was sent;` +
      ` its at_ms was ${ms(stored.capture_clock_ahead_ms.p50)} / ${ms(stored.capture_clock_ahead_ms.p95)} ms ahead of the wall clock when received (> 0: stt-gateway's speech clock runs ahead)`,
    ...(stored.timelines.present > 0 ? [`  timelines: ${stored.timelines.present} of ${stored.timelines.of} stored turns have one, ${stored.timelines.complete} complete (spans below, p50 / p95 / max):`] : []),
    ...Object.entries(stored.spans).map(([name, { owner, durationMs: d }]) => `    ${name.padEnd(20)} ${owner.padEnd(9)} p50 ${ms(d.p50)}  p95 ${ms(d.p95)}  max ${ms(d.max)}  (n=${d.count})`),
  ];
}
