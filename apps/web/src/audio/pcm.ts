/**
 * Audio of the voice socket (libs/contracts voice-socket.ts): PCM16 little-endian mono in 20 ms
 * frames, 16 kHz up (320 samples, 640 bytes) and 24 kHz down (480 samples, 960 bytes).
 * Pure code: the AudioWorklet runs it, the unit tests check it.
 */
export const INPUT_SAMPLE_RATE_HZ = 16_000;
export const OUTPUT_SAMPLE_RATE_HZ = 24_000;
export const FRAME_MS = 20;
export const INPUT_FRAME_SAMPLES = (INPUT_SAMPLE_RATE_HZ * FRAME_MS) / 1000;
export const INPUT_FRAME_BYTES = INPUT_FRAME_SAMPLES * 2;

/** A float sample (-1..1) as PCM16, clipped; NaN is silence. */
export function floatToPcm16(sample: number): number {
  if (Number.isNaN(sample)) return 0;
  const clipped = Math.max(-1, Math.min(1, sample));
  return clipped < 0 ? Math.round(clipped * 32768) : Math.round(clipped * 32767);
}

export function pcm16ToFloat(sample: number): number {
  return sample / 32768;
}

/** Samples as PCM16 LE bytes (explicitly little-endian, whatever the platform). */
export function encodePcm16Le(samples: Int16Array): ArrayBuffer {
  const bytes = new ArrayBuffer(samples.length * 2);
  const view = new DataView(bytes);
  samples.forEach((sample, i) => view.setInt16(i * 2, sample, true));
  return bytes;
}

/** PCM16 LE bytes as float samples; a trailing odd byte is ignored. */
export function decodePcm16LeToFloat(bytes: ArrayBuffer): Float32Array {
  const view = new DataView(bytes);
  const out = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = pcm16ToFloat(view.getInt16(i * 2, true));
  return out;
}

/**
 * Streaming sample-rate conversion of float mono samples: state carries across blocks, so block
 * boundaries change nothing. Downsampling averages the input samples that fall into each output
 * sample's interval (a box low-pass, enough to keep speech from aliasing); upsampling interpolates
 * linearly. Positions come from integer counters, never accumulated, so nothing drifts.
 */
export class Resampler {
  private pending: number[] = [];
  /** Input index of `pending[0]`. */
  private pendingStart = 0;
  private produced = 0;

  constructor(
    readonly fromHz: number,
    readonly toHz: number,
  ) {
    if (!(fromHz > 0 && toHz > 0)) throw new RangeError(`sample rates must be positive, got ${fromHz} → ${toHz}`);
  }

  push(input: ArrayLike<number>): Float32Array {
    for (let i = 0; i < input.length; i++) this.pending.push(input[i] ?? 0);
    const out = this.fromHz >= this.toHz ? this.average() : this.interpolate();
    const used = Math.floor((this.produced * this.fromHz) / this.toHz) - this.pendingStart;
    if (used > 0) {
      this.pending.splice(0, used);
      this.pendingStart += used;
    }
    return Float32Array.from(out);
  }

  reset(): void {
    this.pending = [];
    this.pendingStart = 0;
    this.produced = 0;
  }

  private inputIndexOf(outputIndex: number): number {
    return Math.floor((outputIndex * this.fromHz) / this.toHz);
  }

  private average(): number[] {
    const out: number[] = [];
    for (;;) {
      const start = this.inputIndexOf(this.produced);
      const end = this.inputIndexOf(this.produced + 1);
      if (end - this.pendingStart > this.pending.length) return out;
      let sum = 0;
      for (let i = start; i < end; i++) sum += this.pending[i - this.pendingStart] ?? 0;
      out.push(sum / (end - start));
      this.produced += 1;
    }
  }

  private interpolate(): number[] {
    const out: number[] = [];
    for (;;) {
      const position = (this.produced * this.fromHz) / this.toHz;
      const index = Math.floor(position);
      const next = index + 1 - this.pendingStart;
      if (next >= this.pending.length) return out;
      const a = this.pending[index - this.pendingStart] ?? 0;
      const b = this.pending[next] ?? a;
      out.push(a + (b - a) * (position - index));
      this.produced += 1;
    }
  }
}

/** Cuts a stream of float samples into PCM16 frames of exactly `frameSamples`. */
export class Pcm16Framer {
  private frame: Int16Array;
  private filled = 0;

  constructor(readonly frameSamples: number) {
    this.frame = new Int16Array(frameSamples);
  }

  push(samples: ArrayLike<number>): Int16Array[] {
    const frames: Int16Array[] = [];
    for (let i = 0; i < samples.length; i++) {
      this.frame[this.filled++] = floatToPcm16(samples[i] ?? 0);
      if (this.filled === this.frameSamples) {
        frames.push(this.frame);
        this.frame = new Int16Array(this.frameSamples);
        this.filled = 0;
      }
    }
    return frames;
  }
}

/** Microphone blocks at the AudioContext's rate → 640-byte PCM16 LE frames of 20 ms at 16 kHz. */
export class CaptureEncoder {
  private readonly resampler: Resampler;
  private readonly framer = new Pcm16Framer(INPUT_FRAME_SAMPLES);

  constructor(contextSampleRateHz: number) {
    this.resampler = new Resampler(contextSampleRateHz, INPUT_SAMPLE_RATE_HZ);
  }

  push(block: Float32Array): ArrayBuffer[] {
    return this.framer.push(this.resampler.push(block)).map(encodePcm16Le);
  }
}

/** 24 kHz PCM16 LE frames from the socket → float samples at the AudioContext's rate. */
export class PlaybackDecoder {
  private readonly resampler: Resampler;

  constructor(contextSampleRateHz: number) {
    this.resampler = new Resampler(OUTPUT_SAMPLE_RATE_HZ, contextSampleRateHz);
  }

  decode(frame: ArrayBuffer): Float32Array {
    return this.resampler.push(decodePcm16LeToFloat(frame));
  }

  /** Forget the previous turn's last samples, so the next turn starts clean. */
  reset(): void {
    this.resampler.reset();
  }
}
