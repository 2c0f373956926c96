import { BYTES_PER_SAMPLE } from '@voxbridge/contracts';

/**
 * PCM16 little-endian mono helpers. Views share memory with their input where alignment allows;
 * nothing here does I/O.
 */

/** Samples of a PCM16 LE byte buffer (copies only when the buffer is not 2-byte aligned). */
export function samplesOf(pcm: Uint8Array): Int16Array {
  if (pcm.byteLength % BYTES_PER_SAMPLE !== 0) {
    throw new RangeError(`PCM16 needs an even number of bytes, got ${pcm.byteLength}`);
  }
  if (pcm.byteOffset % BYTES_PER_SAMPLE === 0) {
    return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / BYTES_PER_SAMPLE);
  }
  const copy = new Uint8Array(pcm);
  return new Int16Array(copy.buffer, 0, copy.byteLength / BYTES_PER_SAMPLE);
}

/** Bytes of PCM16 samples (a view, no copy). */
export function bytesOf(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Duration in ms of `sizeBytes` of PCM16 mono at `sampleRateHz`. */
export function durationMs(sizeBytes: number, sampleRateHz: number): number {
  return (sizeBytes / BYTES_PER_SAMPLE / sampleRateHz) * 1000;
}

/** Root-mean-square level in dBFS (0 = full scale; silence → -Infinity). */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  const rms = Math.sqrt(sum / samples.length) / 32768;
  return rms === 0 ? Number.NEGATIVE_INFINITY : 20 * Math.log10(rms);
}

/** Float samples in [-1, 1] to PCM16, clipping out-of-range values. */
export function floatToPcm16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = Math.max(-1, Math.min(1, input[i] ?? 0));
    out[i] = v < 0 ? Math.round(v * 32768) : Math.round(v * 32767);
  }
  return out;
}

/** PCM16 to float samples in [-1, 1). */
export function pcm16ToFloat(input: Int16Array): Float32Array {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = (input[i] ?? 0) / 32768;
  return out;
}
