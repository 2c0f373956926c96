import { describe, expect, it } from 'vitest';
import {
  CaptureEncoder,
  decodePcm16LeToFloat,
  encodePcm16Le,
  floatToPcm16,
  INPUT_FRAME_BYTES,
  Pcm16Framer,
  PlaybackDecoder,
  Resampler,
} from './pcm';

/** `seconds` of a sine at `frequencyHz`, sampled at `rateHz`. */
function sine(frequencyHz: number, rateHz: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rateHz * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / rateHz));
}

/** Feeds `samples` in blocks of `blockSize` (the AudioWorklet's render quantum is 128). */
function inBlocks(samples: Float32Array, blockSize: number): Float32Array[] {
  const blocks: Float32Array[] = [];
  for (let i = 0; i < samples.length; i += blockSize) blocks.push(samples.subarray(i, i + blockSize));
  return blocks;
}

function upwardZeroCrossings(samples: ArrayLike<number>): number {
  let count = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) count++;
  return count;
}

describe('floatToPcm16', () => {
  it('scales full range to the PCM16 limits', () => {
    expect(floatToPcm16(1)).toBe(32767);
    expect(floatToPcm16(-1)).toBe(-32768);
    expect(floatToPcm16(0)).toBe(0);
    expect(floatToPcm16(0.5)).toBe(16384);
    expect(floatToPcm16(-0.5)).toBe(-16384);
  });

  it('clips samples beyond full scale instead of wrapping around', () => {
    expect(floatToPcm16(1.7)).toBe(32767);
    expect(floatToPcm16(-3)).toBe(-32768);
    expect(floatToPcm16(Number.POSITIVE_INFINITY)).toBe(32767);
  });

  it('turns NaN into silence', () => {
    expect(floatToPcm16(Number.NaN)).toBe(0);
  });
});

describe('PCM16 LE bytes', () => {
  it('writes little-endian whatever the platform', () => {
    const bytes = new Uint8Array(encodePcm16Le(Int16Array.of(1, -2, 0x1234)));
    expect(Array.from(bytes)).toEqual([0x01, 0x00, 0xfe, 0xff, 0x34, 0x12]);
  });

  it('reads little-endian samples back as floats', () => {
    const floats = decodePcm16LeToFloat(Uint8Array.of(0x00, 0x40, 0x00, 0x80, 0xff, 0x7f).buffer);
    expect(Array.from(floats)).toEqual([0.5, -1, 32767 / 32768]);
  });
});

describe(Pcm16Framer.name, () => {
  it('emits frames of exactly the frame size and keeps the rest for the next push', () => {
    const sut = new Pcm16Framer(320);
    expect(sut.push(new Float32Array(300))).toHaveLength(0);
    const frames = sut.push(new Float32Array(700));
    expect(frames.map((f) => f.length)).toEqual([320, 320, 320]);
    expect(sut.push(new Float32Array(279))).toHaveLength(0); // 40 + 279 = 319
    expect(sut.push(new Float32Array(1))).toHaveLength(1);
  });

  it('keeps sample order across pushes', () => {
    const sut = new Pcm16Framer(4);
    sut.push([0.1, 0.2, 0.3]);
    const [frame] = sut.push([0.4, 0.5]);
    expect(Array.from(frame ?? [])).toEqual([0.1, 0.2, 0.3, 0.4].map(floatToPcm16));
  });
});

describe(Resampler.name, () => {
  it.each([
    [48_000, 16_000],
    [44_100, 16_000],
    [24_000, 48_000],
    [24_000, 44_100],
    [16_000, 16_000],
  ])('converts ten seconds at %i Hz into ten seconds at %i Hz, without drift', (fromHz, toHz) => {
    const sut = new Resampler(fromHz, toHz);
    const out = inBlocks(new Float32Array(fromHz * 10), 128).reduce((total, block) => total + sut.push(block).length, 0);
    // Interpolation holds back the output samples that lie past the last input sample.
    const heldBack = toHz * 10 - out;
    expect(heldBack).toBeGreaterThanOrEqual(0);
    expect(heldBack).toBeLessThanOrEqual(Math.ceil(toHz / fromHz));
  });

  it('gives the same output however the input is cut into blocks', () => {
    const input = sine(440, 44_100, 0.1);
    const whole = new Resampler(44_100, 16_000).push(input);
    const chunked = new Resampler(44_100, 16_000);
    const pieces = inBlocks(input, 128).map((block) => Array.from(chunked.push(block))).flat();
    expect(pieces.length).toBe(whole.length);
    pieces.forEach((value, i) => expect(value).toBeCloseTo(whole[i] ?? Number.NaN, 6));
  });

  it.each([
    [48_000, 16_000],
    [44_100, 16_000],
    [24_000, 48_000],
  ])('keeps a 440 Hz tone at 440 Hz from %i Hz to %i Hz', (fromHz, toHz) => {
    const out = new Resampler(fromHz, toHz).push(sine(440, fromHz, 1));
    expect(upwardZeroCrossings(out)).toBeGreaterThanOrEqual(438);
    expect(upwardZeroCrossings(out)).toBeLessThanOrEqual(441);
  });

  it('averages away a tone above the new Nyquist frequency instead of folding it down at full strength', () => {
    const out = new Resampler(48_000, 16_000).push(sine(15_000, 48_000, 0.1, 1));
    const peak = out.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
    expect(peak).toBeLessThan(0.25);
  });

  it('refuses a zero rate', () => {
    expect(() => new Resampler(0, 16_000)).toThrow(RangeError);
  });
});

describe(CaptureEncoder.name, () => {
  it.each([48_000, 44_100, 16_000, 32_000])('turns one second of microphone audio at %i Hz into fifty 640-byte frames', (rateHz) => {
    const sut = new CaptureEncoder(rateHz);
    const frames = inBlocks(sine(300, rateHz, 1), 128).flatMap((block) => sut.push(block));
    expect(frames).toHaveLength(50);
    frames.forEach((frame) => expect(frame.byteLength).toBe(INPUT_FRAME_BYTES));
    expect(INPUT_FRAME_BYTES).toBe(640);
  });

  it('clips a too-loud microphone to full scale in the frames', () => {
    const sut = new CaptureEncoder(16_000);
    const [frame] = sut.push(new Float32Array(320).fill(2));
    const samples = new DataView(frame ?? new ArrayBuffer(0));
    expect(samples.getInt16(0, true)).toBe(32767);
    expect(samples.getInt16(638, true)).toBe(32767);
  });
});

describe(PlaybackDecoder.name, () => {
  it('turns a 20 ms 24 kHz frame into about 20 ms at the context rate', () => {
    const sut = new PlaybackDecoder(48_000);
    const frame = encodePcm16Le(new Int16Array(480).fill(8192));
    const lengths = [sut.decode(frame.slice(0)), sut.decode(frame.slice(0))].map((f) => f.length);
    expect(lengths[0]).toBe(958); // the last two wait for the next frame to interpolate against
    expect(lengths[1]).toBe(960);
  });

  it('starts clean after reset', () => {
    const sut = new PlaybackDecoder(48_000);
    sut.decode(encodePcm16Le(new Int16Array(480).fill(16384)));
    sut.reset();
    const out = sut.decode(encodePcm16Le(new Int16Array(480)));
    expect(out.every((v) => v === 0)).toBe(true);
  });
});
