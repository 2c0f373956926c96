export interface JitterBufferOptions {
  /** Frames to hold before playback starts (2–3 smooth over network jitter). */
  startFrames: number;
  /** Output samples to wait for `startFrames` before playing what there is (a reply's short tail). */
  maxWaitSamples: number;
}

/**
 * The playback queue of the speaker worklet: frames (already at the output rate) in, render
 * quanta out. Holds `startFrames` before starting, goes back to buffering when it runs dry, and
 * empties at once on `flush` (barge-in). Pure: the worklet runs it, the unit tests check it.
 */
export class JitterBuffer {
  private queue: Float32Array[] = [];
  private readOffset = 0;
  private playing = false;
  private waitedSamples = 0;
  /** Frames played to their end. */
  framesPlayed = 0;
  /** Frames thrown away by `flush` (a partly played frame counts). */
  framesDropped = 0;

  constructor(private readonly options: JitterBufferOptions) {}

  get bufferedFrames(): number {
    return this.queue.length;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  push(frame: Float32Array): void {
    if (frame.length > 0) this.queue.push(frame);
  }

  /** Fills `out` with audio, silence where none is due; returns how many samples were audio. */
  pull(out: Float32Array): number {
    if (!this.playing && !this.mayStart(out.length)) {
      out.fill(0);
      return 0;
    }
    let written = 0;
    while (written < out.length) {
      const head = this.queue[0];
      if (!head) break;
      const count = Math.min(out.length - written, head.length - this.readOffset);
      out.set(head.subarray(this.readOffset, this.readOffset + count), written);
      written += count;
      this.readOffset += count;
      if (this.readOffset === head.length) {
        this.queue.shift();
        this.readOffset = 0;
        this.framesPlayed += 1;
      }
    }
    if (written < out.length) {
      out.fill(0, written);
      this.playing = false;
      this.waitedSamples = 0;
    }
    return written;
  }

  /** Drops everything queued; returns how many frames were dropped. */
  flush(): number {
    const dropped = this.queue.length;
    this.framesDropped += dropped;
    this.queue = [];
    this.readOffset = 0;
    this.playing = false;
    this.waitedSamples = 0;
    return dropped;
  }

  private mayStart(requestedSamples: number): boolean {
    if (this.queue.length === 0) return false;
    this.waitedSamples += requestedSamples;
    this.playing = this.queue.length >= this.options.startFrames || this.waitedSamples > this.options.maxWaitSamples;
    return this.playing;
  }
}
