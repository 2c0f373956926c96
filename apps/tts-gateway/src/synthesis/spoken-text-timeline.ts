import { AUDIO_OUT_SAMPLE_RATE_HZ, frameSamples } from '@voxbridge/audio';

/** Speaking rate assumed for a sentence whose length is not known yet, until one has been measured. */
export const DEFAULT_SPEECH_MS_PER_CHAR = 70;

interface TimelineSentence {
  text: string;
  samples: number;
  complete: boolean;
}

/**
 * Which words a listener has heard after N output frames. Each sentence's text is spread over its
 * audio in proportion to character position (speech engines keep a nearly even rate within a
 * sentence), and a word counts as heard once its last character's share of the audio has played.
 * For a sentence still arriving, its length is estimated from the rate measured on finished ones.
 */
export class SpokenTextTimeline {
  private readonly sentences: TimelineSentence[] = [];
  private readonly samplesPerFrame: number;

  constructor(
    private readonly sampleRateHz = AUDIO_OUT_SAMPLE_RATE_HZ,
    private readonly defaultMsPerChar = DEFAULT_SPEECH_MS_PER_CHAR,
  ) {
    this.samplesPerFrame = frameSamples(sampleRateHz);
  }

  /** Registers the next sentence (in playing order); returns its index. */
  addSentence(text: string): number {
    return this.sentences.push({ text, samples: 0, complete: false }) - 1;
  }

  addSamples(index: number, samples: number): void {
    const sentence = this.sentences[index];
    if (sentence) sentence.samples += samples;
  }

  complete(index: number): void {
    const sentence = this.sentences[index];
    if (sentence) sentence.complete = true;
  }

  /** The text whose audio lies entirely within the first `framesPlayed` frames. */
  heardText(framesPlayed: number): string {
    let remaining = Math.max(0, framesPlayed) * this.samplesPerFrame;
    const heard: string[] = [];
    for (const sentence of this.sentences) {
      if (sentence.complete && remaining >= sentence.samples) {
        heard.push(sentence.text);
        remaining -= sentence.samples;
        continue;
      }
      const total = sentence.complete ? sentence.samples : Math.max(sentence.samples, this.estimateSamples(sentence.text));
      const partial = wordsWithin(sentence.text, total === 0 ? 0 : remaining / total);
      if (partial !== '') heard.push(partial);
      break;
    }
    return heard.join(' ');
  }

  private estimateSamples(text: string): number {
    const measured = this.sentences.filter((s) => s.complete && s.text.length > 0);
    const chars = measured.reduce((sum, s) => sum + s.text.length, 0);
    const samplesPerChar =
      chars > 0 ? measured.reduce((sum, s) => sum + s.samples, 0) / chars : (this.defaultMsPerChar * this.sampleRateHz) / 1000;
    return text.length * samplesPerChar;
  }
}

/** The words of `text` that end within the first `fraction` of it. */
function wordsWithin(text: string, fraction: number): string {
  if (fraction >= 1) return text;
  let end = 0;
  for (const match of text.matchAll(/\S+/g)) {
    const wordEnd = (match.index ?? 0) + match[0].length;
    if (wordEnd / text.length > fraction) break;
    end = wordEnd;
  }
  return text.slice(0, end);
}
