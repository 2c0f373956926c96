import { SpokenTextTimeline } from './spoken-text-timeline';

const SAMPLES_PER_FRAME = 480;

describe(SpokenTextTimeline.name, () => {
  it('maps frames to whole sentences, then to words in proportion to audio duration', () => {
    const sut = new SpokenTextTimeline();
    const first = sut.addSentence('Hello there.');
    sut.addSamples(first, 10 * SAMPLES_PER_FRAME);
    sut.complete(first);
    const second = sut.addSentence('one two three four');
    sut.addSamples(second, 18 * SAMPLES_PER_FRAME);
    sut.complete(second);

    expect(sut.heardText(0)).toBe('');
    expect(sut.heardText(5)).toBe('Hello');
    expect(sut.heardText(9)).toBe('Hello');
    expect(sut.heardText(10)).toBe('Hello there.');
    // 'one' ends at character 3 of 18: 3 frames of 18.
    expect(sut.heardText(12)).toBe('Hello there.');
    expect(sut.heardText(13)).toBe('Hello there. one');
    expect(sut.heardText(10 + 13)).toBe('Hello there. one two three');
    expect(sut.heardText(28)).toBe('Hello there. one two three four');
    expect(sut.heardText(1_000)).toBe('Hello there. one two three four');
  });

  it('counts frames that straddle two sentences by their samples', () => {
    const sut = new SpokenTextTimeline();
    const first = sut.addSentence('abc def');
    sut.addSamples(first, 700);
    sut.complete(first);
    const second = sut.addSentence('ghi');
    sut.addSamples(second, 900);
    sut.complete(second);
    expect(sut.heardText(1)).toBe('abc');
    expect(sut.heardText(2)).toBe('abc def');
    expect(sut.heardText(4)).toBe('abc def ghi');
  });

  it('estimates the length of a sentence still arriving from the measured speaking rate', () => {
    const sut = new SpokenTextTimeline();
    const first = sut.addSentence('aaaa bbbb.');
    sut.addSamples(first, 10 * SAMPLES_PER_FRAME);
    sut.complete(first);
    const second = sut.addSentence('cccc dddd.');
    sut.addSamples(second, 6 * SAMPLES_PER_FRAME);
    // 1 frame per character measured: 'cccc' (4 chars) heard after 4 frames, not all 6 received.
    expect(sut.heardText(10 + 4)).toBe('aaaa bbbb. cccc');
    expect(sut.heardText(10 + 6)).toBe('aaaa bbbb. cccc');
  });
});
