import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One piece of what the fake microphone hears: silence, or a sentence spoken by flite. */
export type MicrophonePart = { silenceMs: number } | { say: string };

/**
 * A WAV for Chromium's `--use-file-for-fake-audio-capture` (48 kHz mono PCM16): sentences
 * synthesized offline with flite (voice slt) between silences, joined with sox. Chromium plays it
 * once (`%noloop`), then the microphone is silent.
 */
export function microphoneWav(parts: MicrophonePart[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'vb-mic-'));
  const pieces = parts.map((part, index) => {
    const file = join(dir, `part-${index}.wav`);
    if ('say' in part) {
      const spoken = join(dir, `spoken-${index}.wav`);
      execFileSync('flite', ['-voice', 'slt', '-t', part.say, '-o', spoken]);
      execFileSync('sox', [spoken, '-r', '48000', '-c', '1', '-b', '16', file]);
    } else {
      execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', file, 'trim', '0', (part.silenceMs / 1_000).toFixed(3)]);
    }
    return file;
  });
  const out = join(dir, 'microphone.wav');
  execFileSync('sox', [...pieces, out]);
  return out;
}
