import { randomUUID } from 'node:crypto';
import { AUDIO_IN_SAMPLE_RATE_HZ, bytesOf, durationMs, Resampler, samplesOf } from '@voxbridge/audio';
import { DEFAULT_AGENT_DEADLINES } from '@voxbridge/contracts';
import WebSocket from 'ws';
import { assertOpenable, assertPcm16Frame, whisperLanguage } from './batch-stt-stream';
import { PartialFeed } from './partial-feed';
import { SttError, SttErrorCode } from './stt.errors';
import type { FinalTranscript, PartialTranscript, SttCapabilities, SttOpenOptions, SttProvider, SttStream } from './stt-provider';
import {
  parseServerMessage,
  WHISPERX_PCM_SAMPLE_RATE_HZ,
  type WhisperXClientMessage,
  type WhisperXServerMessage,
} from './whisperx.protocol';

export interface WhisperXSttOptions {
  /** `ws://whisperx:4901` (any path). */
  url: string;
  /** WebSocket opening handshake. */
  connectTimeoutMs?: number;
  /**
   * From `finalize` sent to `final` received, unless the stream is opened with its own
   * `finalDeadlineMs` (the agent's); default DEFAULT_AGENT_DEADLINES.stt_final_ms. A miss ends the
   * socket, so the next utterance starts on a fresh one instead of waiting behind a lost final.
   */
  finalTimeoutMs?: number;
  /** Keepalive ping; a ping unanswered by the next one drops the socket (and reconnects). */
  pingIntervalMs?: number;
  /** Backoff after a dropped socket: initial × 2^attempt, capped; a round gives up after maxAttempts. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
}

const NAME = 'whisperx';

/**
 * WhisperX streaming server client: one WebSocket per stream (session), a fresh server session
 * (`start`, with the language every time) per utterance, so no audio or language leaks from one
 * utterance to the next. A dropped socket is reconnected with backoff, and the utterance in
 * progress is replayed from the client's copy, so a drop costs time, not words.
 */
export class WhisperXSttProvider implements SttProvider {
  readonly name = NAME;
  readonly capabilities: SttCapabilities = { partials: true, streaming: true };

  constructor(private readonly options: WhisperXSttOptions) {}

  async open(options: SttOpenOptions): Promise<SttStream> {
    assertOpenable(NAME, options);
    const finalTimeoutMs = options.finalDeadlineMs ?? this.options.finalTimeoutMs ?? DEFAULT_AGENT_DEADLINES.stt_final_ms;
    const stream = new WhisperXStream({ ...this.options, finalTimeoutMs }, whisperLanguage(options.language), options.streamId ?? randomUUID(), options.signal);
    await stream.connect();
    return stream;
  }
}

interface PendingFinal {
  resolve: (text: string) => void;
  reject: (error: SttError | Dropped) => void;
}

/** The socket went away while a final was awaited (internal: finalize retries). */
class Dropped {}

class WhisperXStream implements SttStream {
  private socket: WebSocket | undefined;
  private started = false;
  private utterance = 0;
  /** The utterance so far at 16 kHz, kept for replay after a reconnect; cleared at finalize. */
  private frames: Uint8Array[] = [];
  /** Written while a finalize is in flight: the start of the next utterance. */
  private held: Uint8Array[] = [];
  private resampler = new Resampler(AUDIO_IN_SAMPLE_RATE_HZ, WHISPERX_PCM_SAMPLE_RATE_HZ);
  private finalizing = false;
  private pending: PendingFinal | undefined;
  private closed = false;
  private reconnecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private connectedWaiters: { resolve: () => void; reject: (error: SttError) => void }[] = [];
  private readonly partials = new PartialFeed();
  private readonly onAbort = () => void this.close();

  constructor(
    private readonly options: WhisperXSttOptions,
    private readonly language: string,
    private readonly streamId: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Opens the socket once, without retries: a provider that is down should fail open() fast. */
  async connect(): Promise<void> {
    try {
      this.attach(await this.openSocket());
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  write(pcm16Frame: Uint8Array): void {
    this.assertUsable();
    assertPcm16Frame(NAME, pcm16Frame);
    const frame = pcm16Frame.slice();
    if (this.finalizing) {
      this.held.push(frame);
      return;
    }
    this.frames.push(frame);
    if (this.isOpen()) this.sendAudio(frame);
    else this.ensureReconnecting();
  }

  async finalize(): Promise<FinalTranscript> {
    this.assertUsable();
    if (this.finalizing) throw new SttError(SttErrorCode.Protocol, NAME, 'finalize is already in progress');
    const utterance = this.utterance++;
    const audioMs = durationMs(this.frames.reduce((sum, f) => sum + f.byteLength, 0), AUDIO_IN_SAMPLE_RATE_HZ);
    if (this.frames.length === 0) return { text: '', utterance, audioMs };
    this.finalizing = true;
    try {
      const text = await this.requestFinal();
      return { text: text.trim(), utterance, audioMs };
    } finally {
      this.endUtterance();
    }
  }

  onPartial(listener: (partial: PartialTranscript) => void): () => void {
    return this.partials.subscribe(listener);
  }

  [Symbol.asyncIterator](): AsyncIterator<PartialTranscript> {
    return this.partials[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.reconnectTimer);
    const aborted = new SttError(SttErrorCode.Aborted, NAME, this.signal?.aborted ? 'aborted' : 'the stream was closed');
    this.pending?.reject(aborted);
    this.pending = undefined;
    this.rejectWaiters(aborted);
    this.partials.end();
    const socket = this.socket;
    this.detach();
    if (!socket) return;
    if (socket.readyState === WebSocket.OPEN) {
      this.send(socket, { type: 'close' });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1_000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.close(1000);
      });
    } else {
      socket.terminate();
    }
  }

  /** Sends `finalize` and awaits the final; after a drop, reconnects, replays and asks again. */
  private async requestFinal(): Promise<string> {
    const finalTimeoutMs = this.options.finalTimeoutMs ?? DEFAULT_AGENT_DEADLINES.stt_final_ms;
    const deadline = Date.now() + finalTimeoutMs;
    for (;;) {
      await this.waitConnected(deadline);
      const socket = this.socket;
      if (!socket) continue;
      this.ensureStarted(socket);
      const tail = this.resampler.flush();
      if (tail.length > 0) socket.send(stereo(tail));
      this.send(socket, { type: 'finalize' });
      try {
        return await this.awaitFinal(deadline, finalTimeoutMs);
      } catch (error) {
        if (error instanceof Dropped) continue;
        throw error;
      }
    }
  }

  private awaitFinal(deadline: number, finalTimeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        // A server that does not answer is in an unknown state: start the next utterance on a fresh socket.
        this.socket?.terminate();
        reject(new SttError(SttErrorCode.Timeout, NAME, `no final transcript within ${finalTimeoutMs} ms of the end of the turn (final deadline)`));
      }, Math.max(0, deadline - Date.now()));
      const settle = () => {
        clearTimeout(timer);
        this.pending = undefined;
      };
      this.pending = {
        resolve: (text) => (settle(), resolve(text)),
        reject: (error) => (settle(), reject(error)),
      };
    });
  }

  /** The next utterance starts clean: new server session, new resampler, only the held frames. */
  private endUtterance(): void {
    this.finalizing = false;
    this.started = false;
    this.resampler = new Resampler(AUDIO_IN_SAMPLE_RATE_HZ, WHISPERX_PCM_SAMPLE_RATE_HZ);
    this.frames = this.held;
    this.held = [];
    if (this.closed || this.frames.length === 0) return;
    if (this.isOpen()) this.frames.forEach((frame) => this.sendAudio(frame));
    else this.ensureReconnecting();
  }

  private sendAudio(frame: Uint8Array): void {
    const socket = this.socket;
    if (!socket) return;
    this.ensureStarted(socket);
    const converted = this.resampler.push(samplesOf(frame));
    if (converted.length > 0) socket.send(stereo(converted));
  }

  private ensureStarted(socket: WebSocket): void {
    if (this.started) return;
    this.started = true;
    this.send(socket, { type: 'start', userId: this.streamId, language: this.language, audio_format: 'pcm' });
  }

  private send(socket: WebSocket, message: WhisperXClientMessage): void {
    socket.send(JSON.stringify(message));
  }

  private openSocket(): Promise<WebSocket> {
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.options.url, { handshakeTimeout: connectTimeoutMs });
      const fail = (error: SttError) => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.terminate();
        reject(error);
      };
      socket.once('open', () => {
        socket.removeAllListeners();
        resolve(socket);
      });
      socket.once('unexpected-response', (_request, response) =>
        fail(new SttError(SttErrorCode.Unavailable, NAME, `server refused the WebSocket (HTTP ${String(response.statusCode)})`)),
      );
      socket.once('error', (error) =>
        fail(
          /timed out/i.test(error.message)
            ? new SttError(SttErrorCode.Timeout, NAME, `no WebSocket handshake within ${connectTimeoutMs} ms`, { cause: error })
            : new SttError(SttErrorCode.Unavailable, NAME, 'cannot connect to the WhisperX server', { cause: error }),
        ),
      );
    });
  }

  private attach(socket: WebSocket): void {
    if (this.closed) {
      socket.terminate();
      return;
    }
    this.socket = socket;
    this.started = false;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    socket.on('error', () => socket.terminate());
    socket.once('close', () => this.onDropped(socket));
    let awaitingPong = false;
    socket.on('pong', () => (awaitingPong = false));
    this.pingTimer = setInterval(() => {
      if (awaitingPong) return socket.terminate();
      awaitingPong = true;
      socket.ping();
    }, this.options.pingIntervalMs ?? 20_000);
    this.pingTimer.unref();
    // Replay the utterance in progress (after a reconnect); a finalize in flight sends its own finalize.
    this.resampler = new Resampler(AUDIO_IN_SAMPLE_RATE_HZ, WHISPERX_PCM_SAMPLE_RATE_HZ);
    this.frames.forEach((frame) => this.sendAudio(frame));
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    waiters.forEach((w) => w.resolve());
  }

  private detach(): void {
    clearInterval(this.pingTimer);
    this.socket?.removeAllListeners();
    // A socket we let go of may still report its teardown; nothing depends on it any more.
    this.socket?.on('error', () => undefined);
    this.socket = undefined;
    this.started = false;
  }

  private onMessage(raw: string): void {
    const message: WhisperXServerMessage | { invalid: string } = parseServerMessage(raw);
    if ('invalid' in message) {
      this.pending?.reject(new SttError(SttErrorCode.Protocol, NAME, `unexpected server message: ${message.invalid}`));
      return;
    }
    switch (message.type) {
      case 'partial':
        if (!this.finalizing && this.started) this.partials.push({ text: message.text, utterance: this.utterance });
        return;
      case 'final':
        this.pending?.resolve(message.text);
        return;
      case 'error':
        this.pending?.reject(new SttError(SttErrorCode.Protocol, NAME, `server error: ${message.error}`));
        return;
    }
  }

  private onDropped(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.detach();
    if (this.closed) return;
    this.pending?.reject(new Dropped());
    this.ensureReconnecting();
  }

  private ensureReconnecting(): void {
    if (this.closed || this.reconnecting || this.isOpen()) return;
    this.reconnecting = this.reconnectLoop().finally(() => (this.reconnecting = undefined));
  }

  private async reconnectLoop(): Promise<void> {
    const { initialDelayMs = 250, maxDelayMs = 30_000, maxAttempts = 5 } = this.options.reconnect ?? {};
    let lastError: SttError | undefined;
    for (let attempt = 0; attempt < maxAttempts && !this.closed; attempt++) {
      await new Promise<void>((resolve) => (this.reconnectTimer = setTimeout(resolve, Math.min(maxDelayMs, initialDelayMs * 2 ** attempt))));
      if (this.closed) return;
      try {
        this.attach(await this.openSocket());
        return;
      } catch (error) {
        lastError = error instanceof SttError ? error : new SttError(SttErrorCode.Unavailable, NAME, 'reconnect failed', { cause: error });
      }
    }
    this.rejectWaiters(new SttError(SttErrorCode.Unavailable, NAME, `reconnect gave up after ${maxAttempts} attempts`, { cause: lastError }));
  }

  private waitConnected(deadline: number): Promise<void> {
    if (this.isOpen()) return Promise.resolve();
    this.ensureReconnecting();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.connectedWaiters = this.connectedWaiters.filter((w) => w !== waiter);
        reject(new SttError(SttErrorCode.Timeout, NAME, 'not reconnected before the final was due'));
      }, Math.max(0, deadline - Date.now()));
      const waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error: SttError) => (clearTimeout(timer), reject(error)),
      };
      this.connectedWaiters.push(waiter);
    });
  }

  private rejectWaiters(error: SttError): void {
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    waiters.forEach((w) => w.reject(error));
  }

  private isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  private assertUsable(): void {
    if (this.closed) throw new SttError(SttErrorCode.Aborted, NAME, this.signal?.aborted ? 'aborted' : 'the stream is closed');
  }
}

/** Mono PCM16 → interleaved stereo PCM16 LE bytes (what `audio_format: "pcm"` expects). */
function stereo(mono: Int16Array): Uint8Array {
  const out = new Int16Array(mono.length * 2);
  for (let i = 0; i < mono.length; i++) {
    const sample = mono[i] ?? 0;
    out[2 * i] = sample;
    out[2 * i + 1] = sample;
  }
  return bytesOf(out);
}
