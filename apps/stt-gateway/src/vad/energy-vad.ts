import { AUDIO_IN_SAMPLE_RATE_HZ, rmsDbfs, samplesOf } from '@voxbridge/audio';
import type { VadFrame, VoiceActivityDetector } from './voice-activity-detector';

export interface EnergyVadOptions {
  /** A frame is voiced when it is this many dB above the noise floor. */
  thresholdDb?: number;
  /** Consecutive voiced audio needed to confirm speech. */
  onsetMs?: number;
  /** Speech stays on this long after the last voiced frame (bridges the gaps between words). */
  hangoverMs?: number;
  /**
   * A frame that starts at least this long after the previous one ended marks a gap (audio is
   * missing). Anything shorter is capture-clock jitter: a gateway that stamps frames from a 20 ms
   * timer is late by a ms or two on most frames, and that must not restart the onset.
   */
  minGapMs?: number;
  /**
   * The first frame seeds the floor, but never above this: a stream whose first frame is already
   * speech (the listener subscribed late, a user who talks at once) must not learn speech as noise.
   */
  maxSeedFloorDbfs?: number;
  /**
   * A frame stamped before the previous one ended (capture-clock jitter, frames that queued during
   * a stall and arrive together) is placed right after it, less up to this much (never before its
   * own capture time): the speech clock gives back this much per frame of any lead it took on the
   * capture clock, instead of staying ahead of it for the rest of the stream.
   */
  catchUpMsPerFrame?: number;
  /** The floor never goes below this (so near-digital silence does not make a breath "speech"). */
  minNoiseFloorDbfs?: number;
  /**
   * The floor is raised to the quietest level heard in this window, so a step in background noise
   * (a fan turning on) stops reading as speech after at most this long.
   */
  floorWindowMs?: number;
  /** Per-frame smoothing of the floor towards a louder non-voiced frame (slow: rising noise). */
  floorRiseRate?: number;
  /** Per-frame smoothing of the floor towards a quieter frame (fast: noise went away). */
  floorFallRate?: number;
  sampleRateHz?: number;
}

export const ENERGY_VAD_DEFAULTS = {
  thresholdDb: 12,
  onsetMs: 60,
  hangoverMs: 200,
  minGapMs: 20,
  catchUpMsPerFrame: 5,
  minNoiseFloorDbfs: -70,
  maxSeedFloorDbfs: -45,
  floorWindowMs: 5_000,
  floorRiseRate: 0.05,
  floorFallRate: 0.5,
} as const;

const FLOOR_BLOCK_MS = 500;
const LOWEST_LEVEL_DBFS = -120;

/**
 * Energy detector with an adaptive noise floor. The floor follows the level of non-voiced frames
 * (slowly up, quickly down) and is lifted to the minimum of the last `floorWindowMs`, so it tracks
 * a rising room noise without calling it speech. The first frame seeds the floor, capped at
 * `maxSeedFloorDbfs` so that a stream that starts mid-speech still hears that speech.
 */
export class EnergyVoiceActivityDetector implements VoiceActivityDetector {
  readonly options: Required<Omit<EnergyVadOptions, 'sampleRateHz'>>;
  private readonly sampleRateHz: number;
  private floorDbfs: number | undefined;
  private nextCaptureMs: number | undefined;
  private runStartMs: number | undefined;
  private lastVoicedEndMs: number | undefined;
  private speaking = false;
  private segmentStartMs: number | undefined;
  /** Minimum level per completed block of the floor window, oldest first. */
  private readonly blockMinima: number[] = [];
  private blockMin = Number.POSITIVE_INFINITY;
  private blockElapsedMs = 0;

  constructor(options: EnergyVadOptions = {}) {
    const { sampleRateHz, ...rest } = options;
    this.options = { ...ENERGY_VAD_DEFAULTS, ...stripUndefined(rest) };
    this.sampleRateHz = sampleRateHz ?? AUDIO_IN_SAMPLE_RATE_HZ;
  }

  get hangoverMs(): number {
    return this.options.hangoverMs;
  }

  get noiseFloorDbfs(): number {
    return this.floorDbfs ?? Number.NaN;
  }

  process(frame: Uint8Array, captureMs: number): VadFrame {
    const samples = samplesOf(frame);
    const frameMs = (samples.length / this.sampleRateHz) * 1000;
    // A frame earlier than expected (jitter, a burst after a stall) is taken as contiguous, less up
    // to `catchUpMsPerFrame` so that the clock comes back to the capture clock instead of running
    // ahead for good; one late by less than `minGapMs` (jitter) keeps its own capture time, so
    // lateness never adds up either.
    const startMs =
      this.nextCaptureMs === undefined || captureMs >= this.nextCaptureMs
        ? captureMs
        : Math.max(captureMs, this.nextCaptureMs - this.options.catchUpMsPerFrame);
    if (this.nextCaptureMs !== undefined && startMs - this.nextCaptureMs >= this.options.minGapMs) this.onGap(startMs);
    const endMs = startMs + frameMs;
    this.nextCaptureMs = endMs;

    const levelDbfs = Math.max(LOWEST_LEVEL_DBFS, rmsDbfs(samples));
    this.trackMinimum(levelDbfs, frameMs);
    if (this.floorDbfs === undefined) {
      this.floorDbfs = Math.min(Math.max(levelDbfs, this.options.minNoiseFloorDbfs), this.options.maxSeedFloorDbfs);
    }
    const voiced = levelDbfs >= this.floorDbfs + this.options.thresholdDb;

    if (voiced) {
      this.runStartMs ??= startMs;
      this.segmentStartMs ??= startMs;
      this.lastVoicedEndMs = endMs;
      if (endMs - this.runStartMs >= this.options.onsetMs) this.speaking = true;
    } else {
      this.runStartMs = undefined;
      this.adaptFloor(levelDbfs);
      const sinceVoicedMs = endMs - (this.lastVoicedEndMs ?? endMs);
      if (!this.speaking || sinceVoicedMs >= this.options.hangoverMs) this.endSegment();
    }
    this.liftFloorToWindowMinimum();
    return { voiced, speaking: this.speaking, segmentStartMs: this.segmentStartMs, levelDbfs, noiseFloorDbfs: this.noiseFloorDbfs, startMs, endMs };
  }

  reset(): void {
    this.floorDbfs = undefined;
    this.nextCaptureMs = undefined;
    this.endSegment();
    this.lastVoicedEndMs = undefined;
    this.blockMinima.length = 0;
    this.blockMin = Number.POSITIVE_INFINITY;
    this.blockElapsedMs = 0;
  }

  private onGap(startMs: number): void {
    this.runStartMs = undefined;
    const sinceVoicedMs = startMs - (this.lastVoicedEndMs ?? startMs);
    if (!this.speaking || sinceVoicedMs >= this.options.hangoverMs) this.endSegment();
  }

  private endSegment(): void {
    this.speaking = false;
    this.segmentStartMs = undefined;
    this.runStartMs = undefined;
  }

  private adaptFloor(levelDbfs: number): void {
    const floor = this.floorDbfs ?? levelDbfs;
    const rate = levelDbfs > floor ? this.options.floorRiseRate : this.options.floorFallRate;
    this.floorDbfs = Math.max(this.options.minNoiseFloorDbfs, floor + (levelDbfs - floor) * rate);
  }

  private trackMinimum(levelDbfs: number, frameMs: number): void {
    this.blockMin = Math.min(this.blockMin, levelDbfs);
    this.blockElapsedMs += frameMs;
    if (this.blockElapsedMs < FLOOR_BLOCK_MS) return;
    this.blockMinima.push(this.blockMin);
    const blocks = Math.max(1, Math.round(this.options.floorWindowMs / FLOOR_BLOCK_MS));
    while (this.blockMinima.length > blocks) this.blockMinima.shift();
    this.blockMin = Number.POSITIVE_INFINITY;
    this.blockElapsedMs = 0;
  }

  /** Only once the window is full: a minimum over less than the window could be speech itself. */
  private liftFloorToWindowMinimum(): void {
    const blocks = Math.max(1, Math.round(this.options.floorWindowMs / FLOOR_BLOCK_MS));
    if (this.blockMinima.length < blocks || this.floorDbfs === undefined) return;
    const windowMin = Math.min(...this.blockMinima);
    if (windowMin > this.floorDbfs) this.floorDbfs = windowMin;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
