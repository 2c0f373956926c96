/**
 * The microphones of one load-generator worker: every attached stream gets a 20 ms frame on a
 * real-time schedule, as a browser's audio worklet delivers them, all driven by one timer. Each
 * frame's send time is compared with when it was due, so a generator that falls behind shows it.
 */
import { AUDIO_IN_FRAME_BYTES, AUDIO_IN_SAMPLE_RATE_HZ, FRAME_DURATION_MS } from '@voxbridge/contracts';
import { GENERATOR_LIMITS } from './voice-metrics';

/** A frame may go this much before it is due (timers fire on whole milliseconds). */
const EARLY_MS = 1;
const TONE_HZ = 220;

/** 220 Hz at 16 kHz advances 4.4 cycles a frame, so five frames repeat exactly: computed once. */
const TONE_FRAMES: readonly Uint8Array[] = Array.from({ length: 5 }, (_, index) => {
  const samples = new Int16Array(AUDIO_IN_FRAME_BYTES / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(6_500 * Math.sin((2 * Math.PI * TONE_HZ * (index * samples.length + i)) / AUDIO_IN_SAMPLE_RATE_HZ));
  return new Uint8Array(samples.buffer);
});
const SILENCE = new Uint8Array(AUDIO_IN_FRAME_BYTES);

export interface Spoken {
  /** When the first and the last voiced frame were sent (the clock's ms). */
  firstSentMs: number;
  lastSentMs: number;
}

/** One browser's microphone: silence unless it is asked to speak. */
export class MicStream {
  nextDueMs: number;
  private seq = 0;
  private voicedLeft = 0;
  private detached = false;
  private speaking?: { firstSentMs?: number; resolve: (spoken: Spoken) => void; reject: (error: Error) => void };

  constructor(
    startMs: number,
    private readonly send: (frame: Uint8Array) => void,
  ) {
    this.nextDueMs = startMs;
  }

  /** Voiced frames for `ms` from the next frame on; resolves once the last one was sent, rejects if the microphone is detached first. */
  speak(ms: number): Promise<Spoken> {
    if (this.speaking) return Promise.reject(new Error('already speaking'));
    if (this.detached) return Promise.reject(new Error('the microphone is off'));
    this.voicedLeft = Math.max(1, Math.round(ms / FRAME_DURATION_MS));
    return new Promise((resolve, reject) => (this.speaking = { resolve, reject }));
  }

  /** Off for good: an utterance still being spoken fails. */
  stop(): void {
    this.detached = true;
    this.speaking?.reject(new Error('the microphone went off while speaking'));
    this.speaking = undefined;
  }

  /** Sends the frame due now. */
  emit(nowMs: number): void {
    const voiced = this.voicedLeft > 0;
    this.send(voiced ? (TONE_FRAMES[this.seq % TONE_FRAMES.length] ?? SILENCE) : SILENCE);
    this.seq += 1;
    this.nextDueMs += FRAME_DURATION_MS;
    if (!voiced || !this.speaking) return;
    this.speaking.firstSentMs ??= nowMs;
    this.voicedLeft -= 1;
    if (this.voicedLeft === 0) {
      const { firstSentMs, resolve } = this.speaking;
      this.speaking = undefined;
      resolve({ firstSentMs, lastSentMs: nowMs });
    }
  }
}

export interface Clock {
  now(): number;
  /** The wall-clock time (epoch ms) of a reading of now(), to set beside other processes' marks. */
  epochMs(ms: number): number;
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

export const realClock: Clock = {
  now: () => performance.now(),
  epochMs: (ms) => performance.timeOrigin + ms,
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

export class PacedMic {
  private readonly streams = new Set<MicStream>();
  private timer?: { cancel(): void };
  private readonly offsetsMs: number[] = [];
  private offSchedule = 0;

  constructor(
    private readonly clock: Clock = realClock,
    private readonly offScheduleMs: number = GENERATOR_LIMITS.offScheduleMs,
  ) {}

  /** The clock's ms: the time base of everything the microphones report. */
  now(): number {
    return this.clock.now();
  }

  epochMs(ms: number): number {
    return this.clock.epochMs(ms);
  }

  /** A microphone whose first frame is due at `startMs` (the clock's ms; now unless given). */
  attach(send: (frame: Uint8Array) => void, startMs = this.clock.now()): MicStream {
    const stream = new MicStream(startMs, send);
    this.streams.add(stream);
    this.reschedule();
    return stream;
  }

  detach(stream: MicStream): void {
    stream.stop();
    this.streams.delete(stream);
    if (this.streams.size === 0) {
      this.timer?.cancel();
      this.timer = undefined;
    }
  }

  stats(): { framesSent: number; framesOffSchedule: number; offsetsMs: readonly number[] } {
    return { framesSent: this.offsetsMs.length, framesOffSchedule: this.offSchedule, offsetsMs: this.offsetsMs };
  }

  /** Every frame due (a late tick sends the backlog at once, as a browser would after a stall). */
  private tick(): void {
    this.timer = undefined;
    const nowMs = this.clock.now();
    for (const stream of this.streams) {
      while (this.streams.has(stream) && stream.nextDueMs <= nowMs + EARLY_MS) {
        const offsetMs = Math.max(0, nowMs - stream.nextDueMs);
        this.offsetsMs.push(offsetMs);
        if (offsetMs > this.offScheduleMs) this.offSchedule += 1;
        stream.emit(nowMs);
      }
    }
    this.reschedule();
  }

  private reschedule(): void {
    if (this.streams.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const stream of this.streams) next = Math.min(next, stream.nextDueMs);
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, Math.floor(next - this.clock.now())));
  }
}
