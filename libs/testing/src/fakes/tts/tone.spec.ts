import { DEFAULT_TONE, streamedToneWav, streamingWavHeader, toneSamplesFor } from './tone';

describe('tone', () => {
  const expected = (count: number, tone = DEFAULT_TONE) =>
    Int16Array.from({ length: count }, (_, i) => Math.round(tone.amplitude * Math.sin((2 * Math.PI * tone.frequencyHz * i) / tone.sampleRateHz)));

  it('speaks the tone for the text length, the same samples for short and long texts in any order', () => {
    const long = 'x'.repeat(500); // 30 s: longer than the first cached second
    const short = 'Hello.';
    expect(toneSamplesFor(short, DEFAULT_TONE)).toEqual(expected(Math.round((short.length * 60 * 24_000) / 1000)));
    expect(toneSamplesFor(long, DEFAULT_TONE)).toEqual(expected(Math.round((long.length * 60 * 24_000) / 1000)));
    const other = { ...DEFAULT_TONE, frequencyHz: 200, sampleRateHz: 16_000 };
    expect(toneSamplesFor(short, other)).toEqual(expected(Math.round((short.length * 60 * 16_000) / 1000), other));
  });

  it('hands out copies of the samples: a caller writing to them changes nothing for the next', () => {
    const first = toneSamplesFor('abc', DEFAULT_TONE);
    first.fill(0);
    expect(toneSamplesFor('abc', DEFAULT_TONE)).toEqual(expected(first.length));
  });

  it('streams header + tone, built once per length and tone', () => {
    const wav = streamedToneWav('Same length', DEFAULT_TONE);
    const samples = expected(Math.round((11 * 60 * 24_000) / 1000));
    expect(wav.subarray(0, 44)).toEqual(streamingWavHeader(24_000));
    expect(new Int16Array(wav.slice(44).buffer)).toEqual(samples);
    expect(streamedToneWav('Other words', DEFAULT_TONE)).toBe(wav);
    expect(streamedToneWav('Other words', { ...DEFAULT_TONE, amplitude: 100 })).not.toBe(wav);
  });
});
