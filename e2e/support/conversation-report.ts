import type { MessageDto } from '@voxbridge/contracts';
import type { BrowserVoiceClient, ClientRecord, Utterance } from './voice-client';

/** Something the test broke on purpose, and when it was back (seen from outside). */
export interface Disruption {
  /** The service killed (`nats` for the broker). */
  what: string;
  /** The process killed: a replica name as the launcher prints it, or `nats-server`. */
  process: string;
  pid: number | undefined;
  atMs: number;
  /** When it was back: the launcher's `<name> is ready again` line, or NATS accepting connections again. */
  backAtMs?: number;
  /** Other moments worth reporting (e.g. the fleet healthy again after NATS). */
  notes: string[];
}

/** One scripted utterance and what it was meant to show. */
export interface Step {
  utterance: Utterance;
  disruption?: Disruption;
  /** Set when waiting for the turn to settle gave up. */
  waitFailure?: string;
}

/** What the client got for one utterance: the events between its start and the next one's. */
export interface StepOutcome {
  step: Step;
  windowEndMs: number;
  finals: string[];
  answered: boolean;
  /** Services named by `service_error` events in the window. */
  errors: Array<{ atMs: number; service: string | undefined; code: string; message: string; turnId: string | undefined }>;
  firstFinalAtMs: number | undefined;
  /** When the user learnt the outcome: the final transcript of an answered utterance, else the first error naming a stage. */
  reactionAtMs: number | undefined;
  /** By when the reaction had to come: 2 s after the end of the utterance or the disrupted service being back, whichever is later. */
  deadlineMs: number;
}

export function outcomeOf(client: BrowserVoiceClient, step: Step, windowEndMs: number, backWithinMs: number): StepOutcome {
  const from = step.utterance.startAtMs;
  const finals = client.events('final_transcript', from, windowEndMs).filter((e) => e.data.text.trim() !== '');
  const completes = client.events('ai_response_complete', from, windowEndMs);
  const firstFinalAt = finals[0]?.atMs;
  const audioAfterFinal = firstFinalAt === undefined ? [] : client.audio(firstFinalAt, windowEndMs);
  const errors = client.events('service_error', from, windowEndMs).map((e) => ({
    atMs: e.atMs,
    service: e.data.service,
    code: e.data.code,
    message: e.data.message,
    turnId: e.data.turn_id,
  }));
  const answered = finals.length > 0 && (completes.length > 0 || audioAfterFinal.length > 0);
  return {
    step,
    windowEndMs,
    finals: finals.map((f) => f.data.text),
    answered,
    errors,
    firstFinalAtMs: firstFinalAt,
    reactionAtMs: answered ? firstFinalAt : errors.find((e) => e.service)?.atMs,
    deadlineMs: Math.max(step.utterance.endAtMs, step.disruption?.backAtMs ?? 0) + backWithinMs,
  };
}

/** Seconds since the conversation began, for reports. */
export function clock(t0Ms: number): (atMs: number | undefined) => string {
  return (atMs) => (atMs === undefined ? '—' : `${((atMs - t0Ms) / 1_000).toFixed(3)}s`);
}

/** The table printed after the scenario: one row per utterance, the numbers behind the 2 s rule. */
export function outcomeTable(outcomes: StepOutcome[], t0Ms: number): string {
  const at = clock(t0Ms);
  const rows = outcomes.map((o) => {
    const d = o.step.disruption;
    const verdict = o.answered ? 'answered' : o.errors.some((e) => e.service) ? 'service_error' : 'NOTHING';
    const margin = o.reactionAtMs === undefined ? '—' : `${o.deadlineMs - o.reactionAtMs} ms`;
    return [
      o.step.utterance.label.padEnd(30),
      `spoke ${at(o.step.utterance.startAtMs)}–${at(o.step.utterance.endAtMs)}`,
      d ? `${d.process} killed ${at(d.atMs)} back ${at(d.backAtMs)}` : 'no crash',
      `final ${at(o.firstFinalAtMs)}`,
      `reaction ${at(o.reactionAtMs)} (${margin} before the deadline ${at(o.deadlineMs)})`,
      verdict,
      o.errors.length ? `errors: ${o.errors.map((e) => `${e.service ?? '?'}/${e.code}${e.turnId ? ` turn ${e.turnId.slice(0, 8)}` : ''} @${at(e.atMs)}`).join(', ')}` : '',
      o.step.waitFailure ? `(waiting gave up: ${o.step.waitFailure.split('\n')[0]})` : '',
    ].join(' | ');
  });
  return rows.join('\n');
}

/** The client's records in a window, one line each; runs of audio frames folded into one line. */
export function clientLog(records: readonly ClientRecord[], t0Ms: number, fromMs = 0, toMs = Number.POSITIVE_INFINITY): string {
  const at = clock(t0Ms);
  const lines: string[] = [];
  let audioRun: { first: number; last: number; count: number } | undefined;
  const flush = () => {
    if (audioRun) lines.push(`${at(audioRun.first)} audio ×${audioRun.count} (until ${at(audioRun.last)})`);
    audioRun = undefined;
  };
  for (const record of records) {
    if (record.atMs < fromMs || record.atMs >= toMs) continue;
    if (record.type === 'audio') {
      audioRun = audioRun ? { ...audioRun, last: record.atMs, count: audioRun.count + 1 } : { first: record.atMs, last: record.atMs, count: 1 };
      continue;
    }
    flush();
    if (record.type === 'event') {
      const data = record.message.event === 'turn_metrics' ? { turn_id: record.message.data.turn_id, interrupted: record.message.data.interrupted } : record.message.data;
      lines.push(`${at(record.atMs)} ${record.message.event} ${JSON.stringify(data)}`);
    } else if (record.type === 'closed') lines.push(`${at(record.atMs)} SOCKET CLOSED ${record.code} ${record.reason}`);
    else lines.push(`${at(record.atMs)} socket opened (reconnect attempt ${record.attempt})`);
  }
  flush();
  return lines.join('\n');
}

/** A turn the client saw end (or start answering), and what it saw of it. */
export interface SeenTurn {
  turnId: string;
  /** `turn_state` done / interrupted, with what was heard. */
  ended?: { state: 'done' | 'interrupted'; heardText: string | undefined; atMs: number };
  /** The full reply text (`ai_response_complete`). */
  completeText?: string;
  /** Reply text streamed so far (`ai_response_chunk`). */
  chunksText: string;
  /** A `service_error` for this turn (a stage died under it). */
  error?: { service: string | undefined; atMs: number };
  userText?: string;
  finalAtMs?: number;
  /** Agent audio frames between this turn's final transcript and the next one (turns follow one another). */
  audioFrames: number;
  /** Any `service_error` in that same span, with or without a turn id. */
  errorsMeanwhile: string[];
}

/**
 * Every turn the client saw: each `turn_state` done/interrupted and `ai_response_complete`, and
 * each turn a `service_error` cut short after its answer had started to stream.
 */
export function seenTurns(client: BrowserVoiceClient): SeenTurn[] {
  const turns = new Map<string, SeenTurn>();
  const turn = (turnId: string) => {
    const found = turns.get(turnId) ?? { turnId, chunksText: '', audioFrames: 0, errorsMeanwhile: [] };
    turns.set(turnId, found);
    return found;
  };
  const finalEvents = client.events('final_transcript').filter((e) => e.data.text.trim() !== '');
  const finals = new Map(finalEvents.map((e) => [e.data.utterance_id, e]));
  const chunks = new Map<string, string>();
  for (const { data } of client.events('ai_response_chunk')) chunks.set(data.turn_id, (chunks.get(data.turn_id) ?? '') + data.text);
  for (const { atMs, data } of client.events('turn_state')) {
    if (data.turn_id && (data.state === 'done' || data.state === 'interrupted')) turn(data.turn_id).ended = { state: data.state, heardText: data.heard_text, atMs };
  }
  for (const { data } of client.events('ai_response_complete')) turn(data.turn_id).completeText = data.text;
  for (const { atMs, data } of client.events('service_error')) {
    if (data.turn_id && (turns.has(data.turn_id) || chunks.has(data.turn_id))) turn(data.turn_id).error = { service: data.service, atMs };
  }
  for (const seen of turns.values()) {
    seen.chunksText = chunks.get(seen.turnId) ?? '';
    const final = finals.get(seen.turnId);
    if (!final) continue;
    seen.userText = final.data.text;
    seen.finalAtMs = final.atMs;
    const until = finalEvents.find((e) => e.atMs > final.atMs)?.atMs ?? Number.POSITIVE_INFINITY;
    seen.audioFrames = client.audio(final.atMs, until).length;
    seen.errorsMeanwhile = client.events('service_error', final.atMs, until).map((e) => `${e.data.service ?? '?'}/${e.data.code}`);
  }
  return [...turns.values()];
}

/** The stored messages of one turn, by role. */
export function storedTurn(messages: readonly MessageDto[], turnId: string): { user: MessageDto[]; assistant: MessageDto[] } {
  const mine = messages.filter((m) => m.turn_id === turnId);
  return { user: mine.filter((m) => m.role === 'user'), assistant: mine.filter((m) => m.role === 'assistant') };
}
