import { AUDIO_IN_FRAME_BYTES, AUDIO_IN_SAMPLE_RATE_HZ, AUDIO_OUT_FRAME_BYTES } from '@voxbridge/contracts';
import { Framer } from './framer';
import { bytesOf, durationMs, floatToPcm16, pcm16ToFloat, rmsDbfs, samplesOf } from './pcm16';

describe('frame constants', () => {
  it('match the bus audio format: 20 ms PCM16 mono at 16 kHz in and 24 kHz out', () => {
    expect(AUDIO_IN_FRAME_BYTES).toBe(640);
    expect(AUDIO_OUT_FRAME_BYTES).toBe(960);
    expect(durationMs(AUDIO_IN_FRAME_BYTES, AUDIO_IN_SAMPLE_RATE_HZ)).toBe(20);
  });
});

describe(Framer.name, () => {
  it('cuts uneven chunks into exact frames in order and keeps the remainder', () => {
    const source = Uint8Array.from({ length: 640 * 3 + 100 }, (_, i) => i % 251);
    const sut = new Framer(640);
    const frames = [...sut.push(source.subarray(0, 1000)), ...sut.push(source.subarray(1000, 1001)), ...sut.push(source.subarray(1001))];
    expect(frames).toHaveLength(3);
    expect(frames.every((f) => f.byteLength === 640)).toBe(true);
    expect(Buffer.concat(frames)).toEqual(Buffer.from(source.subarray(0, 1920)));
    expect(sut.pendingBytes).toBe(100);
  });

  it('pads the last partial frame with silence on flush, and drops it on reset', () => {
    const sut = new Framer(8);
    sut.push(Uint8Array.of(1, 2, 3));
    expect(sut.flush()).toEqual([Uint8Array.of(1, 2, 3, 0, 0, 0, 0, 0)]);
    expect(sut.flush()).toEqual([]);
    sut.push(Uint8Array.of(9, 9));
    sut.reset();
    expect(sut.pendingBytes).toBe(0);
    expect(sut.flush()).toEqual([]);
  });

  it('refuses odd or empty frame sizes', () => {
    expect(() => new Framer(641)).toThrow(RangeError);
    expect(() => new Framer(0)).toThrow(RangeError);
  });
});

describe('PCM16 helpers', () => {
  it('read little-endian samples, also from unaligned buffers', () => {
    const bytes = Uint8Array.of(0xff, 0x01, 0x00, 0x80, 0xff, 0x7f);
    expect(Array.from(samplesOf(bytes))).toEqual([0x01ff, -32768, 32767]);
    const unaligned = new Uint8Array(7);
    unaligned.set(bytes, 1);
    expect(Array.from(samplesOf(unaligned.subarray(1)))).toEqual([0x01ff, -32768, 32767]);
    expect(() => samplesOf(Uint8Array.of(1, 2, 3))).toThrow(/even number of bytes/);
  });

  it('measure level in dBFS', () => {
    expect(rmsDbfs(new Int16Array(320))).toBe(Number.NEGATIVE_INFINITY);
    expect(rmsDbfs(Int16Array.from({ length: 320 }, () => 32767))).toBeCloseTo(0, 1);
    expect(rmsDbfs(Int16Array.from({ length: 320 }, () => 3277))).toBeCloseTo(-20, 0);
  });

  it('convert between float and PCM16 with clipping', () => {
    const pcm = floatToPcm16(Float32Array.of(0, 1, -1, 2, -2, 0.5));
    expect(Array.from(pcm)).toEqual([0, 32767, -32768, 32767, -32768, 16384]);
    expect(Array.from(pcm16ToFloat(pcm)).map((v) => Math.round(v * 100) / 100)).toEqual([0, 1, -1, 1, -1, 0.5]);
    expect(bytesOf(pcm).byteLength).toBe(12);
  });
});
