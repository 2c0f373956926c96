import { resample, Resampler } from './resample';
import { decodeWav, encodeWav, WavError, WavStreamDecoder } from './wav';

const sine = (hz: number, rateHz: number, ms: number, amplitude = 12_000) =>
  Int16Array.from({ length: (rateHz * ms) / 1000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rateHz)));

/** A WAV with a chosen format, for the decoder (encodeWav only writes PCM16 mono). */
function wavOf(format: { tag: number; channels: number; rate: number; bits: number }, data: Uint8Array, dataSize = data.byteLength): Uint8Array {
  const out = new Uint8Array(44 + data.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('RIFF'), 0);
  view.setUint32(4, 36 + data.byteLength, true);
  out.set(new TextEncoder().encode('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, format.tag, true);
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.rate, true);
  view.setUint32(28, (format.rate * format.channels * format.bits) / 8, true);
  view.setUint16(32, (format.channels * format.bits) / 8, true);
  view.setUint16(34, format.bits, true);
  out.set(new TextEncoder().encode('data'), 36);
  view.setUint32(40, dataSize, true);
  out.set(data, 44);
  return out;
}

describe('WAV', () => {
  it('round-trips PCM16 mono exactly', () => {
    const samples = sine(440, 16_000, 100);
    const { format, samples: decoded } = decodeWav(encodeWav(samples, 16_000));
    expect(format).toEqual({ formatTag: 1, channels: 1, sampleRateHz: 16_000, bitsPerSample: 16 });
    expect(decoded).toEqual(samples);
  });

  it('decodes a streamed WAV (unknown length) pushed in odd-sized chunks, splitting header and samples', () => {
    const samples = sine(300, 22_050, 200);
    const wav = wavOf({ tag: 1, channels: 1, rate: 22_050, bits: 16 }, encodeWav(samples, 22_050).subarray(44), 0xffffffff);
    const sut = new WavStreamDecoder();
    const parts: Int16Array[] = [];
    for (let offset = 0; offset < wav.byteLength; offset += 7) parts.push(sut.push(wav.subarray(offset, offset + 7)));
    expect(sut.format?.sampleRateHz).toBe(22_050);
    expect(Int16Array.from(parts.flatMap((p) => Array.from(p)))).toEqual(samples);
  });

  it('downmixes stereo and converts float32, 8-bit and 24-bit samples to PCM16', () => {
    const stereo = new Int16Array([1000, 3000, -2000, -4000]);
    expect(Array.from(decodeWav(wavOf({ tag: 1, channels: 2, rate: 48_000, bits: 16 }, new Uint8Array(stereo.buffer))).samples)).toEqual([2000, -3000]);
    const floats = new Float32Array([0.5, -0.25]);
    expect(Array.from(decodeWav(wavOf({ tag: 3, channels: 1, rate: 24_000, bits: 32 }, new Uint8Array(floats.buffer))).samples)).toEqual([16384, -8192]);
    expect(Array.from(decodeWav(wavOf({ tag: 1, channels: 1, rate: 8_000, bits: 8 }, Uint8Array.of(128, 255, 0))).samples)).toEqual([0, 32512, -32768]);
    expect(Array.from(decodeWav(wavOf({ tag: 1, channels: 1, rate: 8_000, bits: 24 }, Uint8Array.of(0x00, 0x00, 0x40, 0x00, 0x00, 0xc0))).samples)).toEqual([16384, -16384]);
  });

  it('refuses what is not a WAV, or a format it cannot decode', () => {
    expect(() => decodeWav(new TextEncoder().encode('ID3 this is an mp3 file'))).toThrow(WavError);
    expect(() => decodeWav(wavOf({ tag: 2, channels: 1, rate: 8_000, bits: 4 }, new Uint8Array(4)))).toThrow(/unsupported WAV format/);
  });
});

describe(Resampler.name, () => {
  const dominantHz = (samples: Int16Array, rateHz: number) => {
    // Zero crossings per second / 2 ≈ the frequency of a pure tone.
    let crossings = 0;
    for (let i = 1; i < samples.length; i++) if (((samples[i - 1] ?? 0) < 0) !== ((samples[i] ?? 0) < 0)) crossings++;
    return (crossings / 2) * (rateHz / samples.length);
  };

  it.each([
    [22_050, 24_000],
    [16_000, 24_000],
    [48_000, 16_000],
    [24_000, 16_000],
  ])('converts %i Hz to %i Hz keeping duration and pitch', (from, to) => {
    const input = sine(440, from, 1000);
    const output = resample(input, from, to);
    expect(Math.abs(output.length - to)).toBeLessThanOrEqual(2);
    expect(dominantHz(output, to)).toBeGreaterThan(430);
    expect(dominantHz(output, to)).toBeLessThan(450);
  });

  it('gives the same result streamed in 20 ms chunks as in one piece', () => {
    const input = sine(440, 22_050, 500);
    const whole = resample(input, 22_050, 24_000);
    const sut = new Resampler(22_050, 24_000);
    const parts: number[] = [];
    for (let offset = 0; offset < input.length; offset += 441) parts.push(...sut.push(input.subarray(offset, offset + 441)));
    parts.push(...sut.flush());
    expect(Int16Array.from(parts)).toEqual(whole);
  });

  it('passes audio through untouched at equal rates', () => {
    const input = sine(440, 24_000, 20);
    expect(resample(input, 24_000, 24_000)).toEqual(input);
  });
});
