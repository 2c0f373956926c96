import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '@voxbridge/audio';
import { assertOpenable, BatchSttStream, whisperLanguage } from './batch-stt-stream';
import { SttError, SttErrorCode } from './stt.errors';
import type { SttCapabilities, SttOpenOptions, SttProvider, SttStream } from './stt-provider';

export interface PocketsphinxSttOptions {
  /** Executable name (looked up on PATH) or path. */
  binary?: string;
  /** Acoustic model dir (`-hmm`); the engine's built-in default (Debian: pocketsphinx-en-us) when absent. */
  modelDir?: string;
  /** Language model (`-lm`) and dictionary (`-dict`), when not the defaults. */
  languageModelPath?: string;
  dictionaryPath?: string;
  /** A JSGF grammar (`-jsgf`): far more accurate for a known command set. */
  grammarPath?: string;
  /** Per utterance, model load included. */
  timeoutMs?: number;
}

export type LocalEngineStatus = { available: true } | { available: false; reason: string };

const NAME = 'pocketsphinx';

/**
 * Offline STT with `pocketsphinx_continuous` (Debian `pocketsphinx` + `pocketsphinx-en-us`): each
 * utterance is written as a 16 kHz WAV to a temp file and decoded by a fresh process (about 1 s of
 * model load, real-time factor ≈ 0.2). English only with the packaged model. Abort kills the process.
 */
export class PocketsphinxSttProvider implements SttProvider {
  readonly name = NAME;
  readonly capabilities: SttCapabilities = { partials: false, streaming: false };
  private detection: Promise<LocalEngineStatus> | undefined;

  constructor(private readonly options: PocketsphinxSttOptions = {}) {}

  /** Whether the engine and its model run here; checked once (decodes 100 ms of silence). */
  detect(): Promise<LocalEngineStatus> {
    this.detection ??= this.probe();
    return this.detection;
  }

  async open(options: SttOpenOptions): Promise<SttStream> {
    assertOpenable(NAME, options);
    const status = await this.detect();
    if (!status.available) throw new SttError(SttErrorCode.Unavailable, NAME, status.reason);
    const language = whisperLanguage(options.language);
    if (language !== 'en' && !this.options.modelDir) {
      throw new SttError(SttErrorCode.Unavailable, NAME, `no model for language "${language}" (the packaged model is en-us)`);
    }
    return new BatchSttStream(NAME, (wav, signal) => this.decode(wav, signal), { signal: options.signal, finalDeadlineMs: options.finalDeadlineMs });
  }

  private async probe(): Promise<LocalEngineStatus> {
    try {
      await this.decode(encodeWav(new Int16Array(1600), 16_000), new AbortController().signal);
      return { available: true };
    } catch (error) {
      return { available: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private async decode(wav: Uint8Array, signal: AbortSignal): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'vb-pocketsphinx-'));
    try {
      const file = join(dir, 'utterance.wav');
      await writeFile(file, wav);
      return await this.run(file, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private run(file: string, signal: AbortSignal): Promise<string> {
    const binary = this.options.binary ?? 'pocketsphinx_continuous';
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const args = ['-infile', file, ...this.modelArgs()];
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new SttError(SttErrorCode.Aborted, NAME, 'decoding aborted'));
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      let stderr = '';
      let failure: SttError | undefined;
      const stop = (error: SttError) => {
        failure ??= error;
        child.kill('SIGKILL');
      };
      const onAbort = () => stop(new SttError(SttErrorCode.Aborted, NAME, 'decoding aborted'));
      const timer = setTimeout(() => stop(new SttError(SttErrorCode.Timeout, NAME, `no hypothesis within ${timeoutMs} ms`)), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      // The engine logs to stderr; keep only the tail for the error message.
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2_000)));
      child.once('error', (error: NodeJS.ErrnoException) => {
        failure ??=
          error.code === 'ENOENT'
            ? new SttError(SttErrorCode.Unavailable, NAME, `${binary} is not installed (Debian: apt-get install pocketsphinx pocketsphinx-en-us)`, { cause: error })
            : new SttError(SttErrorCode.Unavailable, NAME, `${binary} could not be started`, { cause: error });
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        if (code !== 0) {
          const tail = stderr.trim().split('\n').filter((line) => /error|fatal/i.test(line)).slice(-3).join(' | ');
          return reject(new SttError(SttErrorCode.Unavailable, NAME, `${binary} exited with ${String(code)}${tail ? `: ${tail}` : ' (is pocketsphinx-en-us installed?)'}`));
        }
        resolve(parseHypotheses(Buffer.concat(stdout).toString('utf8')));
      });
    });
  }

  private modelArgs(): string[] {
    const { modelDir, languageModelPath, dictionaryPath, grammarPath } = this.options;
    return [
      ...(modelDir ? ['-hmm', modelDir] : []),
      ...(grammarPath ? ['-jsgf', grammarPath] : languageModelPath ? ['-lm', languageModelPath] : []),
      ...(dictionaryPath ? ['-dict', dictionaryPath] : []),
    ];
  }
}

/** With `-infile`, the engine prints one hypothesis line per segment it found; INFO lines go to stderr. */
function parseHypotheses(stdout: string): string {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^(INFO|WARN|ERROR|FATAL)/.test(line))
    .join(' ');
}
