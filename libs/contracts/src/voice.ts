import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';
import { SPEAKER_ID_PATTERN, SPEAKER_NAME_MAX_CHARS } from './audio';
import { controlSubject } from './subjects';

/**
 * The voice pipeline's contract (ARCHITECTURE §3–5). Per-session media streams are built with
 * `mediaSubject(sessionId, stream)`:
 *
 * | stream      | payload                                   | from → to                         |
 * |-------------|-------------------------------------------|-----------------------------------|
 * | `audio.in`  | binary PCM16 16 kHz 20 ms + MediaHeaders  | gateway → stt-gateway             |
 * | `vad`       | VadEvent                                  | stt-gateway → all                 |
 * | `transcript`| TranscriptEvent (partial / final)         | stt-gateway → llm-router, gateway |
 * | `reply`     | ReplyEvent (delta / done / error)         | llm-router → tts-gateway, gateway |
 * | `audio.out` | binary PCM16 24 kHz 20 ms + MediaHeaders  | tts-gateway → gateway             |
 * | `turn`      | TurnEvent (state changes, heard text)     | all → all                         |
 * | `control`   | ControlEvent (cancel a turn, end)         | anyone → all                      |
 *
 * Times named `*_at_ms` are epoch milliseconds (Date.now()) so services can compare them;
 * durations are `*_ms`.
 */
export const VoiceSubjects = {
  /** Queue-group request from agent-api: run one text turn (no audio); the reply streams on `reply`. */
  textTurn: controlSubject('llm', 'turn', 'text'),
} as const;

/**
 * `voice_onset` is tentative: the detector's onset run (about 60 ms of voice) heard something,
 * before the minimum speech duration (200 ms) confirms it. Every onset is followed by exactly one
 * of `speech_started` (confirmed: the same utterance id) or `voice_dismissed` (the voice ended
 * before it was confirmed — a cough, a click — or the stream stopped). Speakers pause at an onset
 * and decide at the confirmation; only `speech_started` is a barge-in.
 */
export const VAD_KINDS = ['voice_onset', 'voice_dismissed', 'speech_started', 'speech_stopped'] as const;
export type VadKind = (typeof VAD_KINDS)[number];

export class VadEvent {
  @IsUUID() session_id!: string;
  @IsIn(VAD_KINDS) kind!: VadKind;
  @IsUUID() utterance_id!: string;
  /**
   * First voiced sample (voice_onset, speech_started) or last voiced sample (voice_dismissed,
   * speech_stopped), capture time.
   */
  @IsInt() @Min(0) at_ms!: number;
  /** Sessions with several people (`Vb-Speaker-Id` on audio.in): whose voice; absent for the one default speaker. */
  @IsOptional() @Matches(SPEAKER_ID_PATTERN) speaker_id?: string;
  /** The speaker's display name (`Vb-Speaker-Name`), when the gateway knows it. */
  @IsOptional() @IsString() @MaxLength(SPEAKER_NAME_MAX_CHARS) speaker_name?: string;
}

export class TranscriptEvent {
  @IsUUID() session_id!: string;
  @IsUUID() utterance_id!: string;
  /** `error`: the STT provider failed for this utterance (`error_code`, `error_message`). */
  @IsIn(['partial', 'final', 'error']) kind!: 'partial' | 'final' | 'error';
  @IsString() @MaxLength(100_000) text!: string;
  /** The speaker's display name (legacy; equal to `speaker_name` when stt-gateway sets it). */
  @IsOptional() @IsString() @MaxLength(100) speaker?: string;
  /** Sessions with several people: whose utterance (the `Vb-Speaker-Id` of its frames). */
  @IsOptional() @Matches(SPEAKER_ID_PATTERN) speaker_id?: string;
  @IsOptional() @IsString() @MaxLength(SPEAKER_NAME_MAX_CHARS) speaker_name?: string;
  /** Finals: t_speech_end, the last voiced sample. */
  @IsOptional() @IsInt() @Min(0) speech_end_at_ms?: number;
  /** Finals: when the final transcript was published. */
  @IsOptional() @IsInt() @Min(0) final_at_ms?: number;
  /** Finals: end of turn decided → final text (provider time). */
  @IsOptional() @IsInt() @Min(0) stt_latency_ms?: number;
  @IsOptional() @IsInt() @Min(0) end_of_turn_silence_ms?: number;
  @IsOptional() @IsString() provider?: string;
  @IsOptional() @IsString() error_code?: string;
  @IsOptional() @IsString() @MaxLength(500) error_message?: string;
}

export const REPLY_KINDS = ['delta', 'done', 'error'] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];

export class ReplyEvent {
  @IsUUID() session_id!: string;
  @IsUUID() turn_id!: string;
  @IsIn(REPLY_KINDS) kind!: ReplyKind;
  /** Order of events within the turn, from 0. */
  @IsInt() @Min(0) seq!: number;
  @IsOptional() @IsString() @MaxLength(100_000) text?: string;
  @IsOptional() @IsString() provider?: string;
  @IsOptional() @IsString() model?: string;
  /** First delta: request sent → first token. */
  @IsOptional() @IsInt() @Min(0) llm_ttft_ms?: number;
  @IsOptional() @IsInt() @Min(0) first_token_at_ms?: number;
  /** `error`: a code from ErrorCode or the provider layer, and a message fit to show. */
  @IsOptional() @IsString() error_code?: string;
  @IsOptional() @IsString() error_message?: string;
  /** Whether the agent wants `*stage directions*` removed before speech. */
  @IsOptional() @IsBoolean() filter_actions?: boolean;
}

export const TURN_STATES = ['listening', 'thinking', 'speaking', 'interrupted', 'done'] as const;
export type TurnState = (typeof TURN_STATES)[number];

export class TurnEvent {
  @IsUUID() session_id!: string;
  @IsUUID() turn_id!: string;
  @IsIn(TURN_STATES) state!: TurnState;
  /** speaking: first audio.out frame published (t_audio_out). */
  @IsOptional() @IsInt() @Min(0) first_audio_at_ms?: number;
  @IsOptional() @IsInt() @Min(0) tts_ttfb_ms?: number;
  /**
   * speaking: from the turn's first token to its first speakable chunk (sentence or clause) — time
   * the LLM spends generating, not the fleet's, so it is not counted as overhead.
   */
  @IsOptional() @IsInt() @Min(0) first_chunk_wait_ms?: number;
  /** interrupted / done: the words whose audio was played, and how many frames. */
  @IsOptional() @IsString() @MaxLength(100_000) heard_text?: string;
  @IsOptional() @IsInt() @Min(0) frames_played?: number;
  /**
   * done: the turn's speech failed (the provider did not answer, or none is configured) — a code,
   * and a message naming the provider and how to configure it, fit to show the user.
   */
  @IsOptional() @IsString() @MaxLength(100) error_code?: string;
  @IsOptional() @IsString() @MaxLength(1_000) error_message?: string;
}

export const CONTROL_ACTIONS = ['cancel', 'end'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export class ControlEvent {
  @IsUUID() session_id!: string;
  @IsIn(CONTROL_ACTIONS) action!: ControlAction;
  /** cancel: the turn to stop (barge-in); absent: whatever turn is running. */
  @IsOptional() @IsUUID() turn_id?: string;
  @IsOptional() @IsString() @MaxLength(200) reason?: string;
  @IsOptional() @IsInt() @Min(0) at_ms?: number;
}

/** A text turn from agent-api's chat endpoint: same path as voice, no audio. */
export class TextTurnRequest {
  @IsUUID() session_id!: string;
  @IsUUID() agent_id!: string;
  @IsUUID() turn_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(10_000) content!: string;
}

/** llm-router's immediate answer to a text turn; the reply itself streams on the session's `reply`. */
export interface TextTurnAccepted {
  turn_id: string;
  accepted: true;
}
