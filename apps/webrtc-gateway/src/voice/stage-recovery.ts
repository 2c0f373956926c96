import { ErrorCode, FRAME_DURATION_MS, STAGE_SERVICE, type PipelineStage, type ReplyEvent, type TranscriptEvent, type TurnEvent } from '@voxbridge/contracts';
import { RecentIds } from './voice-event-mapper';
import type { ServiceErrorData } from './voice.errors';

/** Audio kept to replay to a new speech-to-text replica: longer than a takeover takes. */
export const REPLAY_KEEP_MS = 3_000;
const KEPT_FRAMES = REPLAY_KEEP_MS / FRAME_DURATION_MS;

export interface SentFrame {
  bytes: Uint8Array;
  seq: number;
  timestampMs: number;
}

/** What the gateway does when a stage of its session moved to another replica because its holder died. */
export interface Recovery {
  /** stt: the audio the dead replica may not have heard, replayed to the new one (oldest first). */
  replay?: SentFrame[];
  /** llm: the utterance nobody has started answering, published again for the new replica. */
  republish?: TranscriptEvent;
  /** llm / tts: the turn that was cut short (cancel it everywhere) and what to tell the user. */
  cutShort?: { turnId: string; error: ServiceErrorData };
}

/**
 * The little a gateway remembers to recover a session when a stage's replica dies: the last few
 * seconds of audio it sent, the last final transcript, and which turns were answered and spoken.
 * A new speech-to-text replica hears again what came after the last final transcript; a turn that
 * no LLM had started is asked again; a turn that was being answered or spoken is cut short and
 * the user is told which stage failed — never silence.
 */
export class StageRecovery {
  private readonly frames: SentFrame[] = [];
  private lastFinal: TranscriptEvent | undefined;
  private readonly replied = new RecentIds();
  private readonly answered = new RecentIds();
  private readonly spoken = new RecentIds();

  audioSent(frame: SentFrame): void {
    this.frames.push(frame);
    if (this.frames.length > KEPT_FRAMES) this.frames.shift();
  }

  transcript(event: TranscriptEvent): void {
    if (event.kind === 'final') this.lastFinal = event;
  }

  reply(event: ReplyEvent): void {
    this.replied.add(event.turn_id);
    if (event.kind !== 'delta') this.answered.add(event.turn_id);
  }

  turn(event: TurnEvent): void {
    if (event.state === 'done' || event.state === 'interrupted') this.spoken.add(event.turn_id);
  }

  plan(stage: PipelineStage): Recovery {
    switch (stage) {
      case 'stt': {
        const after = this.lastFinal?.speech_end_at_ms ?? Number.NEGATIVE_INFINITY;
        const replay = this.frames.filter((frame) => frame.timestampMs > after);
        return replay.length > 0 ? { replay } : {};
      }
      case 'llm': {
        const final = this.lastFinal;
        if (!final || this.spoken.has(final.utterance_id) || this.answered.has(final.utterance_id)) return {};
        if (!this.replied.has(final.utterance_id)) return { republish: final };
        return { cutShort: this.cutShort(stage, final.utterance_id, 'while answering') };
      }
      case 'tts': {
        const final = this.lastFinal;
        if (!final || this.spoken.has(final.utterance_id) || !this.replied.has(final.utterance_id)) return {};
        return { cutShort: this.cutShort(stage, final.utterance_id, 'while speaking') };
      }
    }
  }

  private cutShort(stage: PipelineStage, turnId: string, when: string): { turnId: string; error: ServiceErrorData } {
    const service = STAGE_SERVICE[stage];
    this.spoken.add(turnId);
    return {
      turnId,
      error: { code: ErrorCode.Unavailable, message: `${service} stopped ${when} and another replica took over; this answer was cut short — please say it again`, service, turn_id: turnId },
    };
  }
}
