import type { MessageDto } from '../api/api-types';

/** One turn's latencies, from a stored message or a live `turn_committed` event. */
export interface LatencySample {
  /** The turn id (one sample per turn even when several of its messages carry latencies). */
  key: string;
  at: string;
  totalMs: number | null;
  overheadMs: number | null;
  sttMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  /** The end-of-turn silence (the timeline's first span): part of totalMs, no stage's. */
  silenceMs: number | null;
  interrupted: boolean;
}

/** A latency worth charting: finite and ≥ 0 (older turns stored overhead as a difference that could be negative). */
const measured = (ms: number | null | undefined): number | null => (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null);

function silenceOf(message: MessageDto): number | null {
  return measured(message.timeline?.spans.find((span) => span.name === 'end_of_turn_ms')?.duration_ms);
}

export function samplesFrom(messages: MessageDto[]): LatencySample[] {
  const byTurn = new Map<string, LatencySample>();
  for (const m of messages) {
    const latencies = [m.total_latency_ms, m.overhead_ms, m.stt_latency_ms, m.llm_ttft_ms, m.tts_ttfb_ms];
    if (latencies.every((v) => v === null)) continue;
    const key = m.turn_id ?? m.id;
    const previous = byTurn.get(key);
    byTurn.set(key, {
      key,
      at: previous && previous.at < m.created_at ? previous.at : m.created_at,
      totalMs: measured(m.total_latency_ms) ?? previous?.totalMs ?? null,
      overheadMs: measured(m.overhead_ms) ?? previous?.overheadMs ?? null,
      sttMs: measured(m.stt_latency_ms) ?? previous?.sttMs ?? null,
      llmTtftMs: measured(m.llm_ttft_ms) ?? previous?.llmTtftMs ?? null,
      ttsTtfbMs: measured(m.tts_ttfb_ms) ?? previous?.ttsTtfbMs ?? null,
      silenceMs: silenceOf(m) ?? previous?.silenceMs ?? null,
      interrupted: m.interrupted || (previous?.interrupted ?? false),
    });
  }
  return [...byTurn.values()];
}

/** The newest `limit` samples, oldest first, one per turn (a later copy of a turn replaces the earlier). */
export function mergeSamples(current: LatencySample[], incoming: LatencySample[], limit: number): LatencySample[] {
  const byKey = new Map(current.map((s) => [s.key, s]));
  for (const sample of incoming) byKey.set(sample.key, sample);
  return [...byKey.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(-limit);
}

/** The p-th percentile (nearest rank) of the non-null values, or null when there are none. */
export function percentile(values: Array<number | null>, p: number): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}
