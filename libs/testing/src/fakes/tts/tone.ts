import { bytesOf, encodeWav } from '@voxbridge/audio';

export interface ToneOptions {
  /** Audio duration per character of input text (default 60 ms). */
  msPerChar: number;
  sampleRateHz: number;
  frequencyHz: number;
  /** Peak amplitude in PCM16 units (default 8000, about -12 dBFS). */
  amplitude: number;
}

export const DEFAULT_TONE: ToneOptions = { msPerChar: 60, sampleRateHz: 24_000, frequencyHz: 440, amplitude: 8_000 };

/** Samples the fakes speak for `text`: a pure tone whose duration follows the text length. */
export function toneSamplesFor(text: string, tone: ToneOptions): Int16Array {
  const count = Math.round((text.length * tone.msPerChar * tone.sampleRateHz) / 1000);
  return Int16Array.from({ length: count }, (_, i) => Math.round(tone.amplitude * Math.sin((2 * Math.PI * tone.frequencyHz * i) / tone.sampleRateHz)));
}

/** Duration in ms of the tone for `text` (what a client should end up with). */
export function toneDurationMs(text: string, tone: Pick<ToneOptions, 'msPerChar' | 'sampleRateHz'>): number {
  return (Math.round((text.length * tone.msPerChar * tone.sampleRateHz) / 1000) / tone.sampleRateHz) * 1000;
}

/** A 44-byte PCM16 mono WAV header with unknown length, as streaming TTS servers send it. */
export function streamingWavHeader(sampleRateHz: number): Uint8Array {
  const header = encodeWav(new Int16Array(0), sampleRateHz);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  view.setUint32(4, 0xffffffff, true);
  view.setUint32(40, 0xffffffff, true);
  return header;
}

/** Header + PCM of the tone for `text`, as one streamed WAV. */
export function streamedToneWav(text: string, tone: ToneOptions): Uint8Array {
  const header = streamingWavHeader(tone.sampleRateHz);
  const pcm = bytesOf(toneSamplesFor(text, tone));
  const out = new Uint8Array(header.byteLength + pcm.byteLength);
  out.set(header);
  out.set(pcm, header.byteLength);
  return out;
}
