/**
 * The voice benchmark's verdicts, kept pure so they can be tested without a fleet: how late a
 * turn's frames came, how many were lost, whether the load generator itself kept time, how many
 * stored turns a conversation should have had, and which targets a run met.
 */
import { FRAME_DURATION_MS } from '@voxbridge/contracts';

/** A frame arriving this much behind the turn's real-time schedule would make a player stall. */
export const LATE_FRAME_TOLERANCE_MS = 100;

/**
 * Frames arriving more than `toleranceMs` behind a real-time schedule that starts at the turn's
 * first frame: frame k is due `k × 20 ms` after the first. This is what a browser's player sees —
 * it has no sequence numbers, so a lost frame shifts the rest earlier rather than later.
 */
export function lateFrames(arrivalsMs: readonly number[], toleranceMs = LATE_FRAME_TOLERANCE_MS, frameMs = FRAME_DURATION_MS): number {
  const first = arrivalsMs[0];
  if (first === undefined) return 0;
  let late = 0;
  arrivalsMs.forEach((atMs, index) => {
    if (atMs - first > index * frameMs + toleranceMs) late += 1;
  });
  return late;
}

/**
 * Frames of a turn that played to its end (`done`) but never reached the browser: the frames
 * tts-gateway published — numbered 0 … framesPublished − 1, so these are the gaps — minus those
 * the socket delivered. An interrupted turn is not judged: the frames in flight when it was
 * cancelled are dropped on purpose, and how many were is not told. null: not measurable.
 */
export function lostFrames(framesPublished: number | null, received: number, outcome: 'done' | 'interrupted' | 'superseded' | 'timeout'): number | null {
  if (outcome !== 'done') return outcome === 'timeout' ? null : 0;
  return framesPublished === null ? null : Math.max(0, framesPublished - received);
}

/**
 * What a browser's player with a `toleranceMs` jitter buffer would go through: a stall each time a
 * frame comes after its place on the schedule plus the buffer, the schedule then starting over
 * from that frame (where `lateFrames` keeps the first schedule, so one stall makes the rest late).
 */
export function playbackStalls(arrivalsMs: readonly number[], toleranceMs = LATE_FRAME_TOLERANCE_MS, frameMs = FRAME_DURATION_MS): { stalls: number; stalledMs: number } {
  let stalls = 0;
  let stalledMs = 0;
  let base: { atMs: number; index: number } | undefined;
  arrivalsMs.forEach((atMs, index) => {
    base ??= { atMs, index };
    const dueMs = base.atMs + (index - base.index) * frameMs + toleranceMs;
    if (atMs > dueMs) {
      stalls += 1;
      stalledMs += atMs - dueMs;
      base = { atMs, index };
    }
  });
  return { stalls, stalledMs };
}

export interface GeneratorHealth {
  /** Event-loop delay of one worker, p99, in ms (perf_hooks monitorEventLoopDelay). */
  lagP99Ms: number;
  framesSent: number;
  /** Microphone frames sent more than GENERATOR_LIMITS.offScheduleMs after they were due. */
  framesOffSchedule: number;
}

export const GENERATOR_LIMITS = {
  lagP99Ms: 20,
  offScheduleMs: 10,
  /** A run may have this share of its microphone frames off schedule (GC pauses, a busy tick). */
  offScheduleFraction: 0.01,
} as const;

export interface Validity {
  valid: boolean;
  /** Why not, one line each. */
  reasons: string[];
}

/**
 * Whether the load generator kept time: a lagging generator sends audio late and reads the fleet's
 * answer late, so its figures would describe the generator, not the fleet.
 */
export function generatorValidity(workers: readonly GeneratorHealth[], limits = GENERATOR_LIMITS): Validity {
  const reasons: string[] = [];
  if (workers.length === 0) reasons.push('no load-generator worker reported');
  workers.forEach((worker, index) => {
    if (!(worker.lagP99Ms <= limits.lagP99Ms)) reasons.push(`worker ${index + 1}: event-loop lag p99 ${worker.lagP99Ms.toFixed(1)} ms > ${limits.lagP99Ms} ms`);
  });
  const sent = workers.reduce((sum, w) => sum + w.framesSent, 0);
  const off = workers.reduce((sum, w) => sum + w.framesOffSchedule, 0);
  if (sent > 0 && off / sent > limits.offScheduleFraction) {
    reasons.push(
      `${off} of ${sent} microphone frames (${percentText(off / sent)}) sent > ${limits.offScheduleMs} ms off schedule (limit ${percentText(limits.offScheduleFraction)})`,
    );
  }
  return { valid: reasons.length === 0, reasons };
}

/** Stored user turns against scripted utterances: each utterance should become exactly one turn. */
export function turnCountErrors(storedUserTurns: number, scriptedUtterances: number): { spurious: number; missing: number } {
  return { spurious: Math.max(0, storedUserTurns - scriptedUtterances), missing: Math.max(0, scriptedUtterances - storedUserTurns) };
}

/** CPU time per minute of conversation: what one more session costs a service. */
export function cpuMsPerSessionMinute(cpuMs: number, sessionMs: number): number | null {
  return sessionMs > 0 ? cpuMs / (sessionMs / 60_000) : null;
}

/**
 * A stored turn's platform overhead: from the per-turn timeline when the message carries one
 * (`timeline.overhead_ms` or `timeline.overheadMs`), else the message's `overhead_ms`.
 */
export function overheadOf(message: unknown): number | null {
  if (typeof message !== 'object' || message === null) return null;
  const { timeline, overhead_ms: flat } = message as { timeline?: unknown; overhead_ms?: unknown };
  if (typeof timeline === 'object' && timeline !== null) {
    const { overhead_ms: snake, overheadMs: camel } = timeline as { overhead_ms?: unknown; overheadMs?: unknown };
    for (const value of [snake, camel]) if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return typeof flat === 'number' && Number.isFinite(flat) ? flat : null;
}

/** A stored turn's fleet total: the timeline's `total_ms` when it has one, else `total_latency_ms`. */
export function totalOf(message: unknown): number | null {
  if (typeof message !== 'object' || message === null) return null;
  const { timeline, total_latency_ms: flat } = message as { timeline?: unknown; total_latency_ms?: unknown };
  const fromTimeline = typeof timeline === 'object' && timeline !== null ? (timeline as { total_ms?: unknown }).total_ms : undefined;
  for (const value of [fromTimeline, flat]) if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

export interface TimelineSpanSample {
  name: string;
  owner: string;
  durationMs: number;
}

/** The spans of a stored turn's timeline (`timeline.spans[]`: name, owner, duration_ms), if it has them. */
export function timelineSpans(message: unknown): TimelineSpanSample[] {
  if (typeof message !== 'object' || message === null) return [];
  const timeline = (message as { timeline?: unknown }).timeline;
  const spans = typeof timeline === 'object' && timeline !== null ? (timeline as { spans?: unknown }).spans : undefined;
  if (!Array.isArray(spans)) return [];
  return spans.flatMap((span: unknown) => {
    if (typeof span !== 'object' || span === null) return [];
    const { name, owner, duration_ms: snake, durationMs: camel } = span as Record<string, unknown>;
    const durationMs = typeof snake === 'number' ? snake : camel;
    return typeof name === 'string' && typeof durationMs === 'number' && Number.isFinite(durationMs) ? [{ name, owner: typeof owner === 'string' ? owner : '?', durationMs }] : [];
  });
}

/** A service's log line as the launcher prints it (`name │ {json}`), shortened to who said what. */
export function logLineSummary(line: string): string {
  const text = line.slice(line.indexOf('│') + 1).trim();
  try {
    const entry = JSON.parse(text) as Record<string, unknown>;
    const fields = ['code', 'error_code', 'reason', 'err'].flatMap((key) => {
      const value = entry[key];
      if (value === undefined || value === null) return [];
      const shown = typeof value === 'object' ? ((value as { message?: unknown }).message ?? JSON.stringify(value)) : value;
      return [`${key}=${String(shown).slice(0, 120)}`];
    });
    return `${String(entry['service'] ?? '?')} ${String(entry['level'] ?? '')}: ${String(entry['msg'] ?? entry['message'] ?? '')}${fields.length ? ` (${fields.join(', ')})` : ''}`;
  } catch {
    return text.slice(0, 200);
  }
}

/** The epoch-ms marks of a stored turn's timeline (`timeline.marks_at_ms`), read without trusting its shape. */
export function timelineMarks(message: unknown): Record<string, number> {
  if (typeof message !== 'object' || message === null) return {};
  const timeline = (message as { timeline?: unknown }).timeline;
  const marks = typeof timeline === 'object' && timeline !== null ? (timeline as { marks_at_ms?: unknown }).marks_at_ms : undefined;
  if (typeof marks !== 'object' || marks === null) return {};
  return Object.fromEntries(Object.entries(marks).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}

export const TARGETS = {
  /** The session count the targets are set for. */
  atSessions: 100,
  overheadP95Ms: 60,
  bargeInP95Ms: 150,
  lostFrames: 0,
  lateFraction: 0.001,
  turnErrors: 0,
} as const;

/** What a run measured, as far as the targets are concerned; null: not measured. */
export interface TargetFigures {
  overheadP95Ms: number | null;
  bargeInP95Ms: number | null;
  /** Interruptions that did not stop the agent's turn (not in the barge-in figure, so judged apart). */
  bargeInsMissed: number;
  lostFrames: number | null;
  lateFrames: number;
  framesReceived: number;
  spuriousTurns: number;
  missingTurns: number;
}

export type TargetName = 'overhead' | 'barge_in' | 'lost_frames' | 'late_frames' | 'turns';
/** true: met; false: not met; null: not measured (cannot be met). */
export type TargetVerdicts = Record<TargetName, boolean | null>;

export function targetVerdicts(f: TargetFigures, targets = TARGETS): TargetVerdicts {
  const atMost = (value: number | null, limit: number) => (value === null || Number.isNaN(value) ? null : value <= limit);
  return {
    overhead: atMost(f.overheadP95Ms, targets.overheadP95Ms),
    barge_in: f.bargeInsMissed > 0 ? false : atMost(f.bargeInP95Ms, targets.bargeInP95Ms),
    lost_frames: atMost(f.lostFrames, targets.lostFrames),
    late_frames: f.framesReceived > 0 ? f.lateFrames / f.framesReceived <= targets.lateFraction : null,
    turns: f.spuriousTurns + f.missingTurns <= targets.turnErrors,
  };
}

export function allMet(verdicts: TargetVerdicts): boolean {
  return Object.values(verdicts).every((v) => v === true);
}

/** The largest session count whose run was valid and met every target; null if none did. */
export function largestPassing(runs: ReadonlyArray<{ sessions: number; valid: boolean; verdicts: TargetVerdicts }>): number | null {
  const passing = runs.filter((run) => run.valid && allMet(run.verdicts)).map((run) => run.sessions);
  return passing.length > 0 ? Math.max(...passing) : null;
}

export function percentText(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 2)} %`;
}
