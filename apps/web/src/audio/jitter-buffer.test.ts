import { describe, expect, it } from 'vitest';
import { JitterBuffer } from './jitter-buffer';

const QUANTUM = 128;
const frame = (value: number, length = 960) => new Float32Array(length).fill(value);

function pullQuantum(sut: JitterBuffer): Float32Array {
  const out = new Float32Array(QUANTUM).fill(Number.NaN);
  sut.pull(out);
  return out;
}

describe(JitterBuffer.name, () => {
  it('stays silent until the start threshold is buffered, then plays in order', () => {
    const sut = new JitterBuffer({ startFrames: 3, maxWaitSamples: 10_000 });
    sut.push(frame(0.1));
    sut.push(frame(0.2));
    expect(pullQuantum(sut).every((v) => v === 0)).toBe(true);
    sut.push(frame(0.3));
    expect(pullQuantum(sut)[0]).toBeCloseTo(0.1);
    expect(sut.isPlaying).toBe(true);
  });

  it('counts a frame as played once its last sample went out', () => {
    const sut = new JitterBuffer({ startFrames: 1, maxWaitSamples: 0 });
    sut.push(frame(0.5, 200));
    pullQuantum(sut);
    expect(sut.framesPlayed).toBe(0);
    const second = pullQuantum(sut);
    expect(sut.framesPlayed).toBe(1);
    expect(second[71]).toBeCloseTo(0.5);
    expect(second[72]).toBe(0); // ran dry: silence, not stale samples
  });

  it('plays a short tail below the threshold once it has waited long enough', () => {
    const sut = new JitterBuffer({ startFrames: 3, maxWaitSamples: 300 });
    sut.push(frame(0.4));
    expect(pullQuantum(sut)[0]).toBe(0);
    expect(pullQuantum(sut)[0]).toBe(0);
    expect(pullQuantum(sut)[0]).toBeCloseTo(0.4);
  });

  it('empties at once on flush and reports what it dropped', () => {
    const sut = new JitterBuffer({ startFrames: 2, maxWaitSamples: 0 });
    for (let i = 0; i < 5; i++) sut.push(frame(0.7));
    pullQuantum(sut);
    expect(sut.flush()).toBe(5);
    expect(sut.framesDropped).toBe(5);
    expect(sut.bufferedFrames).toBe(0);
    expect(pullQuantum(sut).every((v) => v === 0)).toBe(true);
  });

  it('buffers again after a flush before playing the next turn', () => {
    const sut = new JitterBuffer({ startFrames: 2, maxWaitSamples: 10_000 });
    sut.push(frame(0.7));
    sut.push(frame(0.7));
    pullQuantum(sut);
    sut.flush();
    sut.push(frame(0.2));
    expect(pullQuantum(sut)[0]).toBe(0);
    sut.push(frame(0.2));
    expect(pullQuantum(sut)[0]).toBeCloseTo(0.2);
  });
});
