import { IsIn, IsInt, IsNotEmpty, IsString, MaxLength, Min } from 'class-validator';
import { eventSubject } from './subjects';

/** The bus's own events (libs/bus publishes them for every service). */
export const BusSubjects = {
  /** Live (core NATS): a durable consumer moved a message to the dead-letter stream. */
  messageDeadLettered: eventSubject('bus', 'message', 'dead-lettered'),
} as const;

/**
 * Why a durable message was dead-lettered: it failed validation (`invalid`), its handler threw an
 * error redelivery cannot fix (`permanent`), or it was delivered the consumer's maximum number of
 * times (`max_deliveries`).
 */
export const DEAD_LETTER_REASONS = ['invalid', 'permanent', 'max_deliveries'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** `BusSubjects.messageDeadLettered`: where the message was and why it left. Never its payload. */
export class MessageDeadLetteredEvent {
  /** The stream it came from (`VB_SESSIONS`). */
  @IsString() @IsNotEmpty() stream!: string;
  /** The durable consumer that gave up on it. */
  @IsString() @IsNotEmpty() consumer!: string;
  /** Its subject on the wire, namespace included. */
  @IsString() @IsNotEmpty() subject!: string;
  @IsInt() @Min(1) stream_seq!: number;
  /** Times it was delivered to the consumer, the last one included. */
  @IsInt() @Min(1) deliveries!: number;
  @IsIn(DEAD_LETTER_REASONS) reason!: DeadLetterReason;
  /** The error's message (or the validation problems): never the payload. */
  @IsString() @MaxLength(1_000) error!: string;
  /** Where it is kept now (`VB_DEAD_LETTERS`), and at which sequence. */
  @IsString() @IsNotEmpty() dead_letter_stream!: string;
  @IsInt() @Min(1) dead_letter_seq!: number;
}
