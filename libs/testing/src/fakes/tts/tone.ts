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

/** The tone's first samples per (rate, pitch, amplitude), grown on demand: fakes under load synthesize nothing twice. */
const waves = new Map<string, Int16Array>();
/** Whole streamed WAVs per (length, rate, pitch, amplitude); a bench asks for the same few again and again. */
const wavs = new Map<string, Uint8Array>();
const MAX_CACHED_WAVS = 64;

function sampleCount(text: string, tone: ToneOptions): number {
  return Math.round((text.length * tone.msPerChar * tone.sampleRateHz) / 1000);
}

function toneKey(tone: ToneOptions): string {
  return `${tone.sampleRateHz}:${tone.frequencyHz}:${tone.amplitude}`;
}

/** The first `count` samples of the tone (shared: callers must not write to it). */
function waveOf(count: number, tone: ToneOptions): Int16Array {
  const key = toneKey(tone);
  let wave = waves.get(key);
  if (!wave || wave.length < count) {
    const grown = new Int16Array(Math.max(count, (wave?.length ?? 0) * 2, tone.sampleRateHz));
    for (let i = 0; i < grown.length; i++) grown[i] = Math.round(tone.amplitude * Math.sin((2 * Math.PI * tone.frequencyHz * i) / tone.sampleRateHz));
    waves.set(key, grown);
    wave = grown;
  }
  return wave.subarray(0, count);
}

/** Samples the fakes speak for `text`: a pure tone whose duration follows the text length (a fresh copy). */
export function toneSamplesFor(text: string, tone: ToneOptions): Int16Array {
  return waveOf(sampleCount(text, tone), tone).slice();
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

/** Header + PCM of the tone for `text`, as one streamed WAV (cached and shared: do not write to it). */
export function streamedToneWav(text: string, tone: ToneOptions): Uint8Array {
  const count = sampleCount(text, tone);
  const key = `${count}:${toneKey(tone)}`;
  const cached = wavs.get(key);
  if (cached) return cached;
  const header = streamingWavHeader(tone.sampleRateHz);
  const pcm = bytesOf(waveOf(count, tone));
  const out = new Uint8Array(header.byteLength + pcm.byteLength);
  out.set(header);
  out.set(pcm, header.byteLength);
  if (wavs.size >= MAX_CACHED_WAVS) wavs.delete(wavs.keys().next().value as string);
  wavs.set(key, out);
  return out;
}
