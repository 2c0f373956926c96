/** What the bench's main thread and its load-generator workers tell each other. */

/** The scripted conversation: a plain turn, a turn the user talks over, and the answer to that. */
export const SCRIPT = {
  leadSilenceMs: 200,
  utteranceMs: 900,
  /** The user talks over the second answer once this many of its frames have arrived (~0.5 s). */
  bargeInAfterFrames: 25,
  interruptionMs: 400,
  /** Utterances that should each become one stored user turn. */
  utterances: 3,
  /** An answer is ~13 s of audio; under load its frames stall, so it may take twice that and still be whole. */
  turnTimeoutMs: 60_000,
  bargeInTimeoutMs: 10_000,
} as const;

export interface WorkerInput {
  workerIndex: number;
  apiUrl: string;
  adminKey: string;
  agentId: string;
  /** Sessions of this worker: their index in the run and when they start (epoch ms). */
  sessions: Array<{ index: number; startAtEpochMs: number }>;
  /** Where to watch the sessions' `turn` events for `frames_played`; null: not watched. */
  tap: { natsUrl: string; namespace: string } | null;
}

export type ResponseOutcome = 'done' | 'interrupted' | 'superseded' | 'timeout';

export interface ResponseResult {
  /** Which scripted utterance it answers (0-based). */
  utterance: number;
  turnId: string | null;
  outcome: ResponseOutcome;
  /** First voiced frame of the utterance sent → `speech_started` received (the fleet noticed the user). */
  speechDetectedMs: number | null;
  /**
   * The fleet's `at_ms` of that `speech_started` minus when the browser received it: how far the
   * clock stt-gateway stamps speech with runs ahead of the wall clock (it cannot be ahead honestly).
   */
  captureClockAheadMs: number | null;
  /** End of the user's voiced audio as sent → first agent frame received; null: no frame came. */
  latencyMs: number | null;
  /** Wall-clock times (epoch ms) of the last voiced frame sent and the first agent frame received, to set beside the fleet's marks. */
  speechEndAtMs: number;
  firstFrameAtMs: number | null;
  framesReceived: number;
  lateFrames: number;
  /** Times a player with a 100 ms buffer would have run dry, and for how long in all. */
  stalls: number;
  stalledMs: number;
  /** Frames of a finished turn that did not arrive; 0 for an interrupted one; null: not measurable. */
  lostFrames: number | null;
}

export interface SessionResult {
  index: number;
  sessionId: string | null;
  /** Why the conversation did not run to its end, if it did not. */
  error: string | null;
  responses: ResponseResult[];
  /** First voiced frame of the interruption sent → last frame of the interrupted turn received. */
  bargeInMs: number | null;
  /** The interruption did not stop the agent's turn (or the turn had ended before it). */
  bargeInMissed: boolean;
  /** Agent frames that came when no answer was expected. */
  unexpectedFrames: number;
  /** Socket open → closed. */
  durationMs: number;
}

export interface WorkerReport {
  type: 'report';
  workerIndex: number;
  sessions: SessionResult[];
  lag: { p50Ms: number; p99Ms: number; maxMs: number };
  mic: { framesSent: number; framesOffSchedule: number; offsetP99Ms: number; offsetMaxMs: number };
}
