import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { SPEAKER_ID_PATTERN, SPEAKER_NAME_MAX_CHARS } from './audio';
import { SessionSubjects } from './sessions';
import { eventSubject, type Subject } from './subjects';
import { TIMELINE_MARKS, type TimelineMark } from './timeline';

/**
 * What each stage knows about a voice turn, published durably (JetStream, stream `sessions`,
 * message id `<turn_id>:<fact>[:<n>]`) the moment it knows it. session-store keeps every fact and
 * writes the turn exactly once when the last stage has spoken — or, when a stage died, once the
 * turn has been quiet for its assembly timeout, marked interrupted with what was actually played.
 * No service holds a turn only in memory.
 *
 * A voice turn's id is the utterance id stt-gateway gave the final transcript, so every stage
 * names the same turn without asking another.
 */
export const TurnFactSubjects = {
  /** stt-gateway: the final transcript (user text, speaker, speech marks). */
  transcribed: eventSubject('sessions', 'turn', 'transcribed'),
  /** llm-router: the reply as generated, its provider and outcome, LLM marks. */
  answered: eventSubject('sessions', 'turn', 'answered'),
  /** tts-gateway: what was played so far (each sentence) and finally (done / interrupted), TTS marks. */
  heard: eventSubject('sessions', 'turn', 'heard'),
  /** The gateway: the first frame sent to the user. */
  delivered: eventSubject('sessions', 'turn', 'delivered'),
} as const;

/** Every subject the `sessions` stream keeps: whoever creates the stream creates it the same. */
export const SESSIONS_STREAM_SUBJECTS: readonly Subject[] = [SessionSubjects.turnCommitted, ...Object.values(TurnFactSubjects)];

/** Epoch-millisecond marks a stage saw (see timeline.ts); each optional. */
export class TurnMarks implements Partial<Record<TimelineMark, number>> {
  speech_end?: number;
  end_of_turn_due?: number;
  end_of_turn?: number;
  stt_final?: number;
  llm_request?: number;
  llm_first_token?: number;
  tts_first_token?: number;
  first_sentence?: number;
  tts_request?: number;
  tts_first_byte?: number;
  first_frame_published?: number;
  first_frame_sent?: number;
}
for (const mark of TIMELINE_MARKS) {
  IsOptional()(TurnMarks.prototype, mark);
  IsInt()(TurnMarks.prototype, mark);
  Min(0)(TurnMarks.prototype, mark);
}

abstract class TurnFact {
  @IsUUID() session_id!: string;
  @IsUUID() turn_id!: string;
  @ValidateNested() @Type(() => TurnMarks) marks!: TurnMarks;
}

export class TurnTranscribedFact extends TurnFact {
  @IsUUID() agent_id!: string;
  @IsString() @MaxLength(100_000) user_text!: string;
  @IsOptional() @IsString() @MaxLength(100) speaker?: string;
  /** Sessions with several people: whose words (the frames' `Vb-Speaker-Id`) and their display name. */
  @IsOptional() @Matches(SPEAKER_ID_PATTERN) speaker_id?: string;
  @IsOptional() @IsString() @MaxLength(SPEAKER_NAME_MAX_CHARS) speaker_name?: string;
  @IsOptional() @IsString() @MaxLength(100) stt_provider?: string;
}

export const ANSWER_OUTCOMES = ['done', 'cancelled', 'error'] as const;
export type AnswerOutcome = (typeof ANSWER_OUTCOMES)[number];

export class TurnAnsweredFact extends TurnFact {
  @IsUUID() agent_id!: string;
  /** The user's words as llm-router answered them (so a lost transcribed fact loses nothing). */
  @IsString() @MaxLength(100_000) user_text!: string;
  @IsOptional() @IsString() @MaxLength(100) speaker?: string;
  /** Sessions with several people: whose words (the frames' `Vb-Speaker-Id`) and their display name. */
  @IsOptional() @Matches(SPEAKER_ID_PATTERN) speaker_id?: string;
  @IsOptional() @IsString() @MaxLength(SPEAKER_NAME_MAX_CHARS) speaker_name?: string;
  /** Everything the model said (what was heard is tts-gateway's fact). */
  @IsString() @MaxLength(100_000) assistant_text!: string;
  @IsIn(ANSWER_OUTCOMES) outcome!: AnswerOutcome;
  @IsOptional() @IsString() @MaxLength(100) provider?: string;
  @IsOptional() @IsString() @MaxLength(200) model?: string;
  @IsOptional() @IsString() @MaxLength(100) error_code?: string;
  /** `error` outcomes: what went wrong, as the user was told it. */
  @IsOptional() @IsString() @MaxLength(1_000) error_message?: string;
  /** `error` outcomes: the provider that failed (when none answered, `provider` is unset). */
  @IsOptional() @IsString() @MaxLength(100) error_provider?: string;
}

export class TurnHeardFact extends TurnFact {
  /** The words whose audio was played so far (all of them when `final` and not interrupted). */
  @IsString() @MaxLength(100_000) heard_text!: string;
  @IsInt() @Min(0) frames_played!: number;
  /** The turn's speech is over (done or interrupted); earlier facts report progress. */
  @IsBoolean() final!: boolean;
  @IsBoolean() interrupted!: boolean;
  /** Progress facts are numbered; the highest one wins. */
  @IsInt() @Min(0) seq!: number;
  /** The final fact of a turn whose speech failed: why (the user heard an apology, or nothing). */
  @IsOptional() @IsString() @MaxLength(100) error_code?: string;
  @IsOptional() @IsString() @MaxLength(1_000) error_message?: string;
  @IsOptional() @IsString() @MaxLength(100) error_provider?: string;
}

export class TurnDeliveredFact extends TurnFact {}
