/**
 * One browser on webrtc-gateway's `/ws/voice`, doing what the web app does: a voice token from
 * agent-api, the socket with `?agent_id&token`, `ready`, then a microphone that never stops (20 ms
 * frames, silence unless the script speaks) while events and 24 kHz frames come back.
 *
 * Agent frames carry no turn id on the socket, so they are given to the answer the browser is
 * waiting for, oldest first; `turn_state` `speaking` names its turn and `done` / `interrupted`
 * close it. A `thinking` while an answer still plays means a newer utterance superseded it.
 */
import type { Bus, BusSubscription } from '@voxbridge/bus';
import { mediaSubject, TurnEvent, type VoiceServerMessage } from '@voxbridge/contracts';
import WebSocket, { type RawData } from 'ws';
import type { MicStream, PacedMic, Spoken } from './paced-mic';
import { lateFrames, lostFrames, playbackStalls } from './voice-metrics';
import { SCRIPT, type ResponseOutcome, type ResponseResult, type SessionResult } from './voice-protocol';

const SETUP_TIMEOUT_MS = 20_000;
const CLOSE_TIMEOUT_MS = 5_000;
const CONVERSATION_TIMEOUT_MS = 300_000;

export interface BrowserOptions {
  index: number;
  apiUrl: string;
  adminKey: string;
  agentId: string;
  mic: PacedMic;
  /**
   * Watches the session's `turn` events for `frames_played` (how many frames a finished turn
   * published), which the socket does not tell; null: lost frames are counted only if it does.
   */
  tap: Bus | null;
}

interface Answer {
  utterance: number;
  /** Send times of the utterance's first and last voiced frames. */
  speechStartMs: number;
  speechEndMs: number;
  turnId: string | null;
  arrivalsMs: number[];
  outcome: ResponseOutcome | null;
}

interface Wait {
  done: () => boolean;
  resolve: (met: boolean) => void;
  timer: NodeJS.Timeout;
}

export class SimulatedBrowser {
  private ws?: WebSocket;
  private mic?: MicStream;
  private sessionId: string | null = null;
  private readonly answers: Answer[] = [];
  /** Answers expected and not yet over, oldest first: the first one gets the frames. */
  private readonly pending: Answer[] = [];
  /** Frames each finished turn published, by turn id (`frames_played` of its `done`). */
  private readonly framesPublished = new Map<string, number>();
  private tapSubscription?: BusSubscription;
  private unexpectedFrames = 0;
  /** `speech_started` as received: when (the mic's clock), and the fleet's own `at_ms` for it. */
  private readonly speechStarts: Array<{ receivedMs: number; atMs: number }> = [];
  private protocolError?: string;
  private closed: { code: number; reason: string } | null = null;
  private readonly waits = new Set<Wait>();
  private openedMs = 0;

  constructor(private readonly options: BrowserOptions) {}

  /** The microphones' clock, so send and arrival times compare. */
  private now(): number {
    return this.options.mic.now();
  }

  async run(): Promise<SessionResult> {
    let error: string | null = null;
    let barge: { ms: number | null; missed: boolean } = { ms: null, missed: true };
    // Every wait has its own timeout; this is the backstop that keeps one stuck socket from hanging the run.
    const guard = setTimeout(() => this.ws?.terminate(), CONVERSATION_TIMEOUT_MS);
    try {
      await this.open();
      barge = await this.converse();
      await this.hangUp();
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      if (this.mic) this.options.mic.detach(this.mic);
      this.ws?.terminate();
    } finally {
      clearTimeout(guard);
      this.tapSubscription?.unsubscribe();
    }
    return {
      index: this.options.index,
      sessionId: this.sessionId,
      error: error ?? this.protocolError ?? null,
      responses: this.answers.map((answer) => this.result(answer)),
      bargeInMs: barge.ms,
      bargeInMissed: barge.missed,
      unexpectedFrames: this.unexpectedFrames,
      durationMs: this.openedMs > 0 ? this.now() - this.openedMs : 0,
    };
  }

  // ---- the conversation ---------------------------------------------------------------------------

  private async converse(): Promise<{ ms: number | null; missed: boolean }> {
    const mic = this.mic;
    if (!mic) throw new Error('no microphone');
    await this.silence(SCRIPT.leadSilenceMs);
    // 1: a question, answered to the end.
    const first = this.expect(0, await mic.speak(SCRIPT.utteranceMs));
    await this.until(() => first.outcome !== null, SCRIPT.turnTimeoutMs, first);
    // 2: another, talked over once about half a second of the answer has arrived.
    const second = this.expect(1, await mic.speak(SCRIPT.utteranceMs));
    await this.until(() => second.arrivalsMs.length >= SCRIPT.bargeInAfterFrames || second.outcome !== null, SCRIPT.turnTimeoutMs, second);
    if (second.outcome !== null) throw new Error(`the second answer ended (${second.outcome}) before the user could talk over it`);
    const interruption = await mic.speak(SCRIPT.interruptionMs);
    const third = this.expect(2, interruption);
    await this.until(() => second.outcome !== null, SCRIPT.bargeInTimeoutMs, second);
    const stopped = second.outcome === 'interrupted' || second.outcome === 'superseded';
    const last = second.arrivalsMs[second.arrivalsMs.length - 1];
    const barge = { ms: stopped && last !== undefined ? Math.max(0, last - interruption.firstSentMs) : null, missed: !stopped };
    // 3: the interruption is an utterance too, answered to the end.
    await this.until(() => third.outcome !== null, SCRIPT.turnTimeoutMs, third);
    return barge;
  }

  /** An answer to utterance `utterance`, whose voiced audio ended when `spoken` says. */
  private expect(utterance: number, spoken: Spoken): Answer {
    const answer: Answer = { utterance, speechStartMs: spoken.firstSentMs, speechEndMs: spoken.lastSentMs, turnId: null, arrivalsMs: [], outcome: null };
    this.answers.push(answer);
    this.pending.push(answer);
    return answer;
  }

  private async silence(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.closed) throw new Error(`socket closed ${this.closed.code} ${this.closed.reason}`.trim());
  }

  /**
   * Resolves when `done()` holds (checked on every message and frame), or after `timeoutMs` — then
   * `answer`, if given, is marked timed out. Throws if the socket closed.
   */
  private async until(done: () => boolean, timeoutMs: number, answer: Answer | null): Promise<boolean> {
    const met =
      done() ||
      (await new Promise<boolean>((resolve) => {
        const wait: Wait = { done, resolve, timer: setTimeout(() => this.settle(wait, false), timeoutMs) };
        this.waits.add(wait);
      }));
    if (this.closed) throw new Error(`socket closed ${this.closed.code} ${this.closed.reason}`.trim());
    if (!met && answer && answer.outcome === null) this.settleAnswer(answer, 'timeout');
    return met;
  }

  private poke(): void {
    for (const wait of this.waits) if (this.closed || wait.done()) this.settle(wait, !this.closed);
  }

  private settle(wait: Wait, met: boolean): void {
    if (!this.waits.delete(wait)) return;
    clearTimeout(wait.timer);
    wait.resolve(met);
  }

  // ---- the socket ---------------------------------------------------------------------------------

  private async open(): Promise<void> {
    const { apiUrl, adminKey, agentId } = this.options;
    const response = await fetch(`${apiUrl}/api/voice/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: agentId }),
    });
    if (!response.ok) throw new Error(`POST /api/voice/token answered ${response.status}`);
    const { token, ws_url: wsUrl } = (await response.json()) as { token: string; ws_url: string };
    const url = new URL(wsUrl);
    url.searchParams.set('agent_id', agentId);
    url.searchParams.set('token', token);
    const ws = new WebSocket(url);
    this.ws = ws;
    this.openedMs = this.now();
    ws.on('message', (data: RawData, isBinary: boolean) => (isBinary ? this.frame() : this.message(data)));
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      if (this.mic) this.options.mic.detach(this.mic);
      this.poke();
    });
    ws.on('error', () => undefined); // a close follows, and says more
    const ready = await this.until(() => this.sessionId !== null, SETUP_TIMEOUT_MS, null);
    if (!ready) throw new Error('no ready within 20 s');
    if (this.options.tap && this.sessionId) {
      this.tapSubscription = this.options.tap.subscribeJson(mediaSubject(this.sessionId, 'turn'), TurnEvent, (event) => {
        if (event.state === 'done' && event.frames_played !== undefined) this.framesPublished.set(event.turn_id, event.frames_played);
      });
    }
    this.mic = this.options.mic.attach((bytes) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
    });
  }

  private async hangUp(): Promise<void> {
    if (this.mic) this.options.mic.detach(this.mic);
    const ws = this.ws;
    if (!ws || this.closed) return;
    ws.send(JSON.stringify({ type: 'end' }));
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    const timer = setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS);
    const code = await closed;
    clearTimeout(timer);
    if (code !== 1000) throw new Error(`socket closed ${code} after end (expected 1000)`);
  }

  private frame(): void {
    const answer = this.pending[0];
    if (answer) answer.arrivalsMs.push(this.now());
    else this.unexpectedFrames += 1;
    this.poke();
  }

  private message(data: RawData): void {
    let message: VoiceServerMessage;
    try {
      message = JSON.parse(data.toString()) as VoiceServerMessage;
    } catch {
      this.protocolError ??= `a text message that is not JSON: ${data.toString().slice(0, 80)}`;
      return;
    }
    if (message.event === 'ready') this.sessionId = message.data.session_id;
    if (message.event === 'speech_started') this.speechStarts.push({ receivedMs: this.now(), atMs: message.data.at_ms });
    if (message.event === 'turn_state') {
      const head = this.pending[0];
      const { state, turn_id: turnId } = message.data;
      // Not in the socket's contract yet; used if the gateway starts relaying it.
      const played = (message.data as { frames_played?: unknown }).frames_played;
      if (state === 'done' && turnId && typeof played === 'number') this.framesPublished.set(turnId, played);
      if (state === 'speaking' && head && turnId) head.turnId ??= turnId;
      if (state === 'thinking' && head?.turnId) this.settleAnswer(head, 'superseded');
      if ((state === 'done' || state === 'interrupted') && head && (head.turnId === null || head.turnId === turnId)) {
        head.turnId = turnId;
        this.settleAnswer(head, state);
      }
    }
    this.poke();
  }

  /** The answer is over: it gets no more frames. */
  private settleAnswer(answer: Answer, outcome: ResponseOutcome): void {
    answer.outcome = outcome;
    const index = this.pending.indexOf(answer);
    if (index >= 0) this.pending.splice(index, 1);
  }

  private result(answer: Answer): ResponseResult {
    const first = answer.arrivalsMs[0];
    const outcome = answer.outcome ?? 'timeout';
    const published = answer.turnId ? (this.framesPublished.get(answer.turnId) ?? null) : null;
    const detected = this.speechStarts.find((start) => start.receivedMs >= answer.speechStartMs);
    return {
      utterance: answer.utterance,
      speechDetectedMs: detected ? detected.receivedMs - answer.speechStartMs : null,
      captureClockAheadMs: detected ? detected.atMs - this.options.mic.epochMs(detected.receivedMs) : null,
      turnId: answer.turnId,
      outcome,
      latencyMs: first === undefined ? null : first - answer.speechEndMs,
      speechEndAtMs: this.options.mic.epochMs(answer.speechEndMs),
      firstFrameAtMs: first === undefined ? null : this.options.mic.epochMs(first),
      framesReceived: answer.arrivalsMs.length,
      lateFrames: lateFrames(answer.arrivalsMs),
      ...playbackStalls(answer.arrivalsMs),
      lostFrames: lostFrames(published, answer.arrivalsMs.length, outcome),
    };
  }
}
