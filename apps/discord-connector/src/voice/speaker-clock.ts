import { AUDIO_IN_FRAME_BYTES, FRAME_DURATION_MS } from '@voxbridge/contracts';

/**
 * A Discord client sends nothing while its voice gate is closed and packets get lost, so missing
 * packets are silence. The clock fills them: a speaker's frames keep a 20 ms beat, with silence
 * frames wherever packets are missing for longer than the jitter allowance, until the speaker has
 * been quiet for `tailMs` (long past any end of turn); then it rests until the next packet.
 */
export interface SpeakerClockOptions {
  /** How late a packet may be before its slot is filled with silence. */
  jitterMs: number;
  /** Silence kept flowing after the last packet (end of turn needs to hear it). */
  tailMs: number;
}

export const DEFAULT_SPEAKER_CLOCK: SpeakerClockOptions = { jitterMs: 60, tailMs: 3_000 };

const SILENCE = new Uint8Array(AUDIO_IN_FRAME_BYTES);

export interface TimedFrame {
  payload: Uint8Array;
  seq: number;
  timestampMs: number;
  silence: boolean;
}

export class SpeakerClock {
  private seq = 0;
  /** Capture time the frames sent so far reach (undefined: resting). */
  private coveredUntilMs: number | undefined;
  private lastPacketAtMs = Number.NEGATIVE_INFINITY;
  private filling = false;

  constructor(private readonly options: SpeakerClockOptions = DEFAULT_SPEAKER_CLOCK) {}

  get resting(): boolean {
    return this.coveredUntilMs === undefined;
  }

  /** The frames a packet decoded to, stamped on the speaker's beat. `gap`: it ended a silence fill. */
  packet(frames: Uint8Array[], nowMs: number): { frames: TimedFrame[]; gapEnded: boolean } {
    // A new talk spurt: the packet holds the last 20 ms.
    if (this.coveredUntilMs === undefined) this.coveredUntilMs = nowMs - FRAME_DURATION_MS;
    this.lastPacketAtMs = nowMs;
    const gapEnded = this.filling;
    this.filling = false;
    return { frames: frames.map((payload) => this.stamp(payload, false)), gapEnded };
  }

  /** The silence owed by now; `gapStarted` when a fill begins. */
  tick(nowMs: number): { frames: TimedFrame[]; gapStarted: boolean } {
    if (this.coveredUntilMs === undefined) return { frames: [], gapStarted: false };
    if (nowMs - this.lastPacketAtMs > this.options.tailMs) {
      this.coveredUntilMs = undefined;
      this.filling = false;
      return { frames: [], gapStarted: false };
    }
    const frames: TimedFrame[] = [];
    let gapStarted = false;
    while (this.coveredUntilMs + FRAME_DURATION_MS + this.options.jitterMs <= nowMs) {
      if (!this.filling) {
        this.filling = true;
        gapStarted = true;
      }
      frames.push(this.stamp(SILENCE, true));
    }
    return { frames, gapStarted };
  }

  private stamp(payload: Uint8Array, silence: boolean): TimedFrame {
    const covered = this.coveredUntilMs as number;
    this.coveredUntilMs = covered + FRAME_DURATION_MS;
    return { payload, seq: this.seq++, timestampMs: Math.max(0, Math.round(covered)), silence };
  }
}
