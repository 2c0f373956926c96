import { SpeakerClock } from './speaker-clock';

const frame = () => new Uint8Array(640).fill(1);

describe(SpeakerClock.name, () => {
  it('stamps a talk spurt’s frames on a 20 ms beat, sequence numbers from 0', () => {
    const sut = new SpeakerClock({ jitterMs: 60, tailMs: 1_000 });

    const first = sut.packet([frame()], 1_000).frames;
    const second = sut.packet([frame()], 1_020).frames;

    expect([...first, ...second].map(({ seq, timestampMs, silence }) => ({ seq, timestampMs, silence }))).toEqual([
      { seq: 0, timestampMs: 980, silence: false },
      { seq: 1, timestampMs: 1_000, silence: false },
    ]);
  });

  it('fills missing packets with silence once they are later than the jitter allowance, and counts one gap', () => {
    const sut = new SpeakerClock({ jitterMs: 60, tailMs: 1_000 });
    sut.packet([frame()], 1_000);

    expect(sut.tick(1_070).frames).toEqual([]); // within the allowance: maybe just late
    const filled = sut.tick(1_140); // slots 1000…1060 are owed by now (each 60 ms late)
    const resumed = sut.packet([frame()], 1_150);

    expect(filled.gapStarted).toBe(true);
    expect(filled.frames.map(({ seq, timestampMs, silence }) => ({ seq, timestampMs, silence }))).toEqual([
      { seq: 1, timestampMs: 1_000, silence: true },
      { seq: 2, timestampMs: 1_020, silence: true },
      { seq: 3, timestampMs: 1_040, silence: true },
      { seq: 4, timestampMs: 1_060, silence: true },
    ]);
    expect(filled.frames[0]?.payload.every((byte) => byte === 0)).toBe(true);
    expect(resumed.gapEnded).toBe(true);
    expect(resumed.frames.map((f) => f.seq)).toEqual([5]);
  });

  it('rests after the tail of silence and starts the next spurt at its own time, the sequence going on', () => {
    const sut = new SpeakerClock({ jitterMs: 60, tailMs: 200 });
    sut.packet([frame()], 1_000);

    const tail = sut.tick(1_200).frames.length;
    expect(sut.tick(1_300).frames).toEqual([]);
    expect(sut.resting).toBe(true);
    const next = sut.packet([frame()], 5_000).frames;

    expect(tail).toBeGreaterThan(0);
    expect(next.map(({ seq, timestampMs }) => ({ seq, timestampMs }))).toEqual([{ seq: 1 + tail, timestampMs: 4_980 }]);
  });
});
