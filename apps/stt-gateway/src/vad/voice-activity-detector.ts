/**
 * Frame-by-frame voice activity detection on `audio.in` frames (20 ms PCM16 mono at 16 kHz).
 * The energy detector implements it today; a model-based one (Silero, TEN) can replace it.
 */
export interface VadFrame {
  /** This frame alone looks like speech. */
  voiced: boolean;
  /** Smoothed decision: speech confirmed (onset reached) and not yet past the hangover. */
  speaking: boolean;
  /**
   * Capture time of the first voiced frame of the segment in progress (during onset or while
   * speaking); undefined when no segment is in progress. A new value means a new segment.
   */
  segmentStartMs: number | undefined;
  /** Frame level, in dBFS (digital silence reads as the detector's lowest level). */
  levelDbfs: number;
  /** The detector's current noise floor, in dBFS (NaN for detectors that do not track one). */
  noiseFloorDbfs: number;
  /**
   * Where the frame sits on the stream's speech clock (ms): its capture time, except that a frame
   * arriving earlier than the previous one's end (jitter, a burst after a stall) is placed after it,
   * and that lead is given back a little per frame, so the clock never drifts ahead of the capture
   * clock. Everything downstream (onset, turn start and end) is timed on these.
   */
  startMs: number;
  endMs: number;
}

export interface VoiceActivityDetector {
  /**
   * How long a segment holds after its last voiced frame (bridging the gaps between words). With no
   * frames arriving at all, the end-of-turn detector lets an unconfirmed onset go after this long.
   */
  readonly hangoverMs: number;
  /**
   * Classifies one frame captured at `captureMs` (ms, monotonic per stream). Frames are expected
   * back to back, give or take capture-clock jitter; a capture time a whole frame or more beyond
   * the previous frame's end is a gap, counted as silence.
   */
  process(frame: Uint8Array, captureMs: number): VadFrame;
  /** Forgets the stream (a new session or a reconnect); the noise floor starts over. */
  reset(): void;
}
