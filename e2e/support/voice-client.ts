import {
  AUDIO_IN_FRAME_BYTES,
  AUDIO_IN_SAMPLE_RATE_HZ,
  FRAME_DURATION_MS,
  type VoiceServerEventName,
  type VoiceServerEvents,
  type VoiceServerMessage,
  type VoiceTokenDto,
} from '@voxbridge/contracts';
import { WebSocket, type RawData } from 'ws';

/** What the client got, in order, stamped with when it arrived (epoch ms). */
export type ClientRecord =
  | { atMs: number; type: 'event'; message: VoiceServerMessage }
  | { atMs: number; type: 'audio'; sizeBytes: number }
  | { atMs: number; type: 'opened'; attempt: number }
  | { atMs: number; type: 'closed'; code: number; reason: string };

/** One thing the user said: a voiced tone, then silence. */
export interface Utterance {
  label: string;
  startAtMs: number;
  /** The last voiced frame was due. */
  voiceEndAtMs: number;
  /** The last frame of the silence after it was due. */
  endAtMs: number;
  /** Frames the microphone produced while the socket was not open and ready (a browser drops them). */
  framesNotSent: number;
}

export interface ClientOptions {
  /** `http://127.0.0.1:<agent-api port>` */
  apiOrigin: string;
  apiKey: string;
  agentId: string;
}

/** Like the web app (apps/web/src/talk/talk-machine.ts): closes after which retrying cannot help, backoff, attempts. */
const FATAL_CLOSE_CODES = new Set([1000, 1008, 4404]);
const MAX_RECONNECT_ATTEMPTS = 8;
const backoffMs = (attempt: number) => Math.min(500 * 2 ** Math.max(0, attempt - 1), 8_000);

/** The voiced tone: 220 Hz at about -14 dBFS, speech-like energy for the VAD (as e2e/voice.e2e-spec.ts). */
function frameOf(voiced: boolean, index: number): Buffer {
  const samples = new Int16Array(AUDIO_IN_FRAME_BYTES / 2);
  if (voiced) {
    const offset = index * samples.length;
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(6_500 * Math.sin((2 * Math.PI * 220 * (offset + i)) / AUDIO_IN_SAMPLE_RATE_HZ));
  }
  return Buffer.from(samples.buffer);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A browser on webrtc-gateway's `/ws/voice`, as the web app talks to it: a voice token from
 * agent-api, a microphone that sends a 20 ms PCM16 16 kHz frame every 20 ms for as long as the
 * socket is ready (silence unless the user speaks), and a reconnect with the session id and
 * backoff when the socket drops. Everything it receives is recorded with its arrival time.
 */
export class BrowserVoiceClient {
  readonly records: ClientRecord[] = [];
  readonly utterances: Utterance[] = [];
  sessionId: string | undefined;
  private ws: WebSocket | undefined;
  private ready = false;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private microphone: Promise<void> | undefined;
  /** Frames the microphone has produced so far (sent or not). */
  private framesProduced = 0;
  private voicedUntilFrame = 0;
  private readonly frameWaiters: Array<{ frame: number; wake: () => void }> = [];
  private notSent = 0;

  private constructor(private readonly options: ClientOptions) {}

  /** Opens the socket and resolves at its first `ready`. */
  static async connect(options: ClientOptions, timeoutMs = 20_000): Promise<BrowserVoiceClient> {
    const client = new BrowserVoiceClient(options);
    client.microphone = client.runMicrophone();
    await client.open();
    const deadline = Date.now() + timeoutMs;
    while (!client.ready) {
      if (Date.now() > deadline) {
        await client.close();
        throw new Error(`the voice socket was not ready within ${timeoutMs} ms: ${JSON.stringify(client.records.slice(-5))}`);
      }
      await sleep(20);
    }
    return client;
  }

  isReady(): boolean {
    return this.ready;
  }

  /** The events received (optionally since a moment), each with its arrival time. */
  events<K extends VoiceServerEventName>(name: K, sinceMs = 0, untilMs = Number.POSITIVE_INFINITY): Array<{ atMs: number; data: VoiceServerEvents[K] }> {
    const found: Array<{ atMs: number; data: VoiceServerEvents[K] }> = [];
    for (const record of this.records) {
      if (record.type !== 'event' || record.message.event !== name || record.atMs < sinceMs || record.atMs >= untilMs) continue;
      found.push({ atMs: record.atMs, data: record.message.data as VoiceServerEvents[K] });
    }
    return found;
  }

  /** Agent audio frames received in a time window. */
  audio(sinceMs = 0, untilMs = Number.POSITIVE_INFINITY): Array<{ atMs: number; sizeBytes: number }> {
    return this.records.filter((r): r is Extract<ClientRecord, { type: 'audio' }> => r.type === 'audio' && r.atMs >= sinceMs && r.atMs < untilMs);
  }

  /**
   * The user speaks for `voicedMs`, then is silent for `silenceMs`, in real time (the microphone
   * keeps its 20 ms pace). `at` runs an action once that much of the voiced part has been sent.
   */
  async say(label: string, voicedMs: number, silenceMs: number, at?: { voicedMs: number; action: () => Promise<void> }): Promise<Utterance> {
    const firstFrame = this.framesProduced;
    const voicedFrames = Math.round(voicedMs / FRAME_DURATION_MS);
    const allFrames = voicedFrames + Math.round(silenceMs / FRAME_DURATION_MS);
    const notSentBefore = this.notSent;
    const startAtMs = Date.now();
    this.voicedUntilFrame = firstFrame + voicedFrames;
    let action: Promise<void> | undefined;
    if (at) {
      await this.untilFrame(firstFrame + Math.round(at.voicedMs / FRAME_DURATION_MS));
      action = at.action();
    }
    await this.untilFrame(firstFrame + voicedFrames);
    const voiceEndAtMs = Date.now();
    await this.untilFrame(firstFrame + allFrames);
    const utterance: Utterance = { label, startAtMs, voiceEndAtMs, endAtMs: Date.now(), framesNotSent: this.notSent - notSentBefore };
    this.utterances.push(utterance);
    await action;
    return utterance;
  }

  /** Ends the conversation (`{"type":"end"}`, close 1000) and stops the microphone. */
  async end(): Promise<void> {
    if (this.ws?.readyState === WebSocket.OPEN) {
      let timer: NodeJS.Timeout | undefined;
      const closed = new Promise((resolve) => {
        this.ws?.once('close', resolve);
        timer = setTimeout(resolve, 5_000);
      });
      this.ws.send(JSON.stringify({ type: 'end' }));
      await closed;
      clearTimeout(timer);
    }
    await this.close();
  }

  /** Stops everything without a goodbye. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.ws?.terminate();
    for (const waiter of this.frameWaiters.splice(0)) waiter.wake();
    await this.microphone;
  }

  private async open(): Promise<void> {
    const attempt = this.attempt;
    let url: URL;
    try {
      const response = await fetch(`${this.options.apiOrigin}/api/voice/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: this.options.agentId }),
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status !== 201) throw new Error(`POST /api/voice/token: HTTP ${response.status} ${await response.text()}`);
      const token = (await response.json()) as VoiceTokenDto;
      url = new URL(token.ws_url);
      url.searchParams.set('agent_id', this.options.agentId);
      url.searchParams.set('token', token.token);
      if (this.sessionId) url.searchParams.set('session_id', this.sessionId);
    } catch (error) {
      // What a browser shows as "reconnecting": try again later.
      this.records.push({ atMs: Date.now(), type: 'closed', code: 0, reason: `no voice token: ${(error as Error).message}` });
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.on('open', () => this.records.push({ atMs: Date.now(), type: 'opened', attempt }));
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('error', () => undefined); // a 'close' follows, which decides
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws !== ws) return;
      this.ready = false;
      this.records.push({ atMs: Date.now(), type: 'closed', code, reason: reason.toString('utf8') });
      if (!FATAL_CLOSE_CODES.has(code)) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.attempt += 1;
    if (this.attempt > MAX_RECONNECT_ATTEMPTS) return;
    this.reconnectTimer = setTimeout(() => void this.open(), backoffMs(this.attempt));
  }

  private receive(data: RawData, isBinary: boolean): void {
    const atMs = Date.now();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      this.records.push({ atMs, type: 'audio', sizeBytes: bytes.byteLength });
      return;
    }
    const message = JSON.parse(bytes.toString('utf8')) as VoiceServerMessage;
    this.records.push({ atMs, type: 'event', message });
    if (message.event === 'ready') {
      this.ready = true;
      this.attempt = 0;
      this.sessionId = message.data.session_id;
    }
  }

  /** One frame every 20 ms on a fixed schedule (late frames catch up, as a browser's buffered microphone). */
  private async runMicrophone(): Promise<void> {
    const startedAt = performance.now();
    while (!this.stopped) {
      const dueIn = startedAt + this.framesProduced * FRAME_DURATION_MS - performance.now();
      if (dueIn > 0) await sleep(dueIn);
      if (this.stopped) return;
      const index = this.framesProduced;
      const voiced = index < this.voicedUntilFrame;
      if (this.ready && this.ws?.readyState === WebSocket.OPEN) this.ws.send(frameOf(voiced, index));
      else this.notSent += 1;
      this.framesProduced += 1;
      for (let i = this.frameWaiters.length - 1; i >= 0; i--) {
        const waiter = this.frameWaiters[i];
        if (waiter && waiter.frame <= this.framesProduced) {
          this.frameWaiters.splice(i, 1);
          waiter.wake();
        }
      }
    }
  }

  private untilFrame(frame: number): Promise<void> {
    if (this.stopped || frame <= this.framesProduced) return Promise.resolve();
    return new Promise((wake) => this.frameWaiters.push({ frame, wake }));
  }
}
