import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTtsEngine, LocalTtsEngineName, detectLocalTtsEngine } from './local-tts-engine';
import { SynthesisRequest, TtsCapabilities, TtsProvider, VoiceParams } from './tts-provider';
import { TtsErrorCode, TtsProviderError } from './tts-provider.errors';

export interface LocalTtsProviderOptions {
  engine?: LocalTtsEngineName | 'auto';
  /** flite voice when the agent's voice is not one flite knows. */
  fliteVoice?: string;
  /** espeak-ng voice when the agent sets no language. */
  espeakVoice?: string;
  /** A sentence that takes longer than this is killed (`timeout`). */
  timeoutMs?: number;
}

const STDERR_MAX_CHARS = 300;
const ESPEAK_DEFAULT_WPM = 175;

/**
 * Offline speech with flite or espeak-ng, one process per sentence writing WAV to stdout.
 * Aborting kills the process. Build it with `LocalTtsProvider.detect()`, which checks that the
 * engine is installed.
 */
export class LocalTtsProvider implements TtsProvider {
  readonly name: string;
  readonly capabilities: TtsCapabilities;

  private constructor(
    readonly engine: LocalTtsEngine,
    private readonly options: LocalTtsProviderOptions,
  ) {
    this.name = `local:${engine.name}`;
    this.capabilities = {
      // espeak-ng writes as it speaks; flite writes the whole WAV when it is done.
      streaming: engine.name === 'espeak-ng',
      offline: true,
      voiceParams: engine.name === 'flite' ? ['voice', 'speed'] : ['language', 'speed'],
    };
  }

  /** The provider for the installed engine; `unavailable` when neither flite nor espeak-ng is on PATH. */
  static async detect(options: LocalTtsProviderOptions = {}): Promise<LocalTtsProvider> {
    const engine = await detectLocalTtsEngine(options.engine ?? 'auto');
    if (!engine) {
      throw new TtsProviderError(TtsErrorCode.Unavailable, 'local', `no offline TTS engine on PATH (wanted ${options.engine ?? 'flite or espeak-ng'})`);
    }
    return new LocalTtsProvider(engine, options);
  }

  /**
   * Command line for one sentence: the text goes on stdin when `stdin` is set; the WAV comes on
   * stdout, or in `outputFile` (flite cannot open `/dev/stdout` when it is Node's socket pair, and
   * writes the whole file at the end anyway, so a file costs no latency).
   */
  commandFor(text: string, voice: VoiceParams): { command: string; args: string[]; stdin?: string; outputFile?: string } {
    const speed = voice.speed && voice.speed > 0 ? voice.speed : 1;
    if (this.engine.name === 'flite') {
      const wanted = voice.voice && this.engine.voices.includes(voice.voice) ? voice.voice : (this.options.fliteVoice ?? 'slt');
      const outputFile = join(tmpdir(), `voxbridge-flite-${randomUUID()}.wav`);
      const args = ['-voice', wanted, '-o', outputFile];
      if (speed !== 1) args.push('--setf', `duration_stretch=${(1 / speed).toFixed(3)}`);
      return { command: 'flite', args: [...args, '-t', text], outputFile };
    }
    const language = voice.language && voice.language !== 'en' ? voice.language : undefined;
    const args = ['-v', language ?? this.options.espeakVoice ?? 'en-us', '-s', String(Math.round(ESPEAK_DEFAULT_WPM * speed)), '--stdout'];
    return { command: 'espeak-ng', args, stdin: text };
  }

  async *synthesize({ text, voice, signal }: SynthesisRequest): AsyncGenerator<Uint8Array> {
    if (signal.aborted) throw this.error(TtsErrorCode.Aborted, 'synthesis aborted');
    const { command, args, stdin, outputFile } = this.commandFor(text, voice);
    const child = spawn(command, args);
    let spawnError: Error | undefined;
    let timedOut = false;
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (error) => {
        spawnError = error;
        resolve(null);
      });
      child.once('close', (code) => resolve(code));
    });
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, this.options.timeoutMs ?? 30_000);
    signal.addEventListener('abort', kill, { once: true });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < STDERR_MAX_CHARS) stderr += chunk;
    });
    // EPIPE when the engine dies early: the exit code below reports it.
    child.stdin.once('error', (error) => (spawnError ??= error));
    child.stdin.end(stdin);
    try {
      try {
        for await (const chunk of child.stdout) yield chunk as Uint8Array;
      } catch (error) {
        if (!signal.aborted) throw this.error(TtsErrorCode.Unavailable, `${command} output failed`, error);
      }
      const code = await exited;
      if (signal.aborted) throw this.error(TtsErrorCode.Aborted, 'synthesis aborted');
      if (timedOut) throw this.error(TtsErrorCode.Timeout, `${command} took longer than ${this.options.timeoutMs ?? 30_000} ms`);
      if (spawnError) throw this.error(TtsErrorCode.Unavailable, `${command} could not run: ${spawnError.message}`, spawnError);
      if (code !== 0) throw this.error(TtsErrorCode.Unavailable, `${command} exited with ${code}: ${stderr.trim().slice(0, STDERR_MAX_CHARS)}`);
      if (outputFile) yield await readFile(outputFile);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      kill();
      if (outputFile) await rm(outputFile, { force: true });
    }
  }

  private error(code: TtsErrorCode, message: string, cause?: unknown): TtsProviderError {
    return new TtsProviderError(code, this.name, message, { cause });
  }
}
