/**
 * The last `keepMs` of frames with their capture times, so that when a turn is confirmed (after
 * the minimum speech duration) the STT stream can still receive the audio from its first voiced
 * frame, plus a little lead-in.
 */
export class PreRollBuffer {
  private frames: { captureMs: number; frame: Uint8Array }[] = [];

  constructor(readonly keepMs: number) {}

  push(frame: Uint8Array, captureMs: number): void {
    this.frames.push({ captureMs, frame });
    const oldestMs = captureMs - this.keepMs;
    while ((this.frames[0]?.captureMs ?? Number.POSITIVE_INFINITY) < oldestMs) this.frames.shift();
  }

  /** Frames captured at or after `fromMs`, oldest first. */
  since(fromMs: number): Uint8Array[] {
    return this.frames.filter((f) => f.captureMs >= fromMs).map((f) => f.frame);
  }

  clear(): void {
    this.frames = [];
  }
}
