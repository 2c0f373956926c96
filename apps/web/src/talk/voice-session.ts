import { ApiError, describeError } from '../api/api-client';
import type { VoiceTokenDto } from '../api/api-types';
import type { VoiceAudioHandlers, VoiceAudioOptions, VoiceAudioPort } from '../audio/voice-audio';
import type { PlaybackStats } from '../audio/worklet-messages';
import type { VoxbridgeDebug } from './debug-hooks';
import { acceptsAudio, indicatorOf, type TalkAction, type TalkError, type TalkState } from './talk-machine';
import type { TalkStore } from './talk-store';
import { clientMessage, parseServerMessage, voiceSocketUrl } from './voice-protocol';

/** The part of a WebSocket the session uses (a fake stands in for it in tests). */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(data: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

export interface VoiceSessionDeps {
  mintToken(agentId: string): Promise<VoiceTokenDto>;
  /** Must create its AudioContext synchronously (the click's user activation). */
  createAudio(handlers: VoiceAudioHandlers, options: VoiceAudioOptions): VoiceAudioPort;
  openSocket(url: string): SocketLike;
  /** Runs `run` after `delayMs`; returns a function that cancels it. */
  schedule(run: () => void, delayMs: number): () => void;
  debug: VoxbridgeDebug;
}

const OPEN = 1;
/** Past this much unsent audio (~0.5 s) the network is not keeping up: drop frames rather than lag. */
const MAX_BUFFERED_BYTES = 16_000;

/**
 * One conversation on the voice socket: microphone frames out, speech frames in, events into the
 * talk store. Decisions live in the reducer; this class performs them: flush the speaker the
 * moment a turn is interrupted, drop that turn's late frames, reconnect to the same session.
 */
export class VoiceSession {
  private audio: VoiceAudioPort | null = null;
  private socket: SocketLike | null = null;
  private cancelRetry: (() => void) | null = null;
  private stopped = false;
  private readonly debugAtStart: { played: number; dropped: number };
  private flushedByWorklet = 0;
  private droppedLate = 0;

  constructor(
    private readonly store: TalkStore,
    private readonly deps: VoiceSessionDeps,
  ) {
    this.debugAtStart = { played: deps.debug.framesPlayed, dropped: deps.debug.framesDroppedOnInterrupt };
  }

  /** Call from the click handler: the audio context is created before the first await. */
  async start(agentId: string, options: VoiceAudioOptions = { microphoneId: null, outputVolume: 1 }): Promise<void> {
    try {
      this.audio = this.deps.createAudio({ onFrame: (frame) => this.sendFrame(frame), onStats: (stats) => this.onPlaybackStats(stats) }, options);
      this.deps.debug.contextSampleRateHz = this.audio.contextSampleRateHz;
      this.dispatch({ type: 'start', agentId });
      try {
        await this.audio.ready;
      } catch (error) {
        this.fail('microphone', 'microphone_unavailable', describeError(error));
        return;
      }
      if (!this.stopped) await this.connect();
    } catch (error) {
      this.fail('connection', 'client_error', describeError(error));
    }
  }

  /** Ends the call; true when `end` went out on an open socket (false: the fleet was not told). */
  stop(): boolean {
    if (this.stopped) return false;
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    const socket = this.socket;
    this.socket = null;
    const told = socket?.readyState === OPEN;
    if (told) {
      socket.send(clientMessage('end'));
      socket.close(1000, 'ended by the user');
    } else {
      socket?.close();
    }
    this.audio?.close();
    this.dispatch({ type: 'stop' });
    return told;
  }

  /** Cut the agent off: silence at once, and ask the fleet to cancel the turn. */
  interrupt(): void {
    this.audio?.flush();
    this.dispatch({ type: 'interrupt_requested' });
    if (this.socket?.readyState === OPEN) {
      this.socket.send(clientMessage('interrupt'));
      this.deps.debug.interruptsSent += 1;
    }
  }

  /** Muted: microphone frames are dropped here, none reach the socket. */
  setMuted(muted: boolean): void {
    this.dispatch({ type: 'mute', muted });
  }

  setOutputVolume(volume: number): void {
    this.audio?.setOutputVolume(volume);
  }

  /** The microphone's level now (0–1); 0 when muted or not open. */
  inputLevel(): number {
    return this.stopped || this.store.getState().muted ? 0 : (this.audio?.inputLevel() ?? 0);
  }

  async switchMicrophone(deviceId: string | null): Promise<void> {
    try {
      await this.audio?.switchMicrophone(deviceId);
    } catch (error) {
      // The call goes on with the microphone it had.
      this.dispatch({ type: 'error', source: 'microphone', code: 'microphone_unavailable', message: describeError(error) });
    }
  }

  private async connect(): Promise<void> {
    const { agentId, sessionId } = this.store.getState();
    if (!agentId) return;
    let token: VoiceTokenDto;
    try {
      token = await this.deps.mintToken(agentId);
    } catch (error) {
      if (this.stopped) return;
      // A refusal (bad key, unknown agent, no such endpoint) will not change by retrying; an outage may.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        this.fail('connection', error.code, `Could not get a voice token: ${error.message}`);
      } else {
        this.onSocketClosed(1006, describeError(error));
      }
      return;
    }
    if (this.stopped) return;
    const socket = this.deps.openSocket(voiceSocketUrl(token.ws_url, { agentId, token: token.token, sessionId }));
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket === socket) this.onMessage(event.data);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket === socket) this.onSocketClosed(event.code, event.reason);
    };
    this.socket = socket;
  }

  private onMessage(data: unknown): void {
    const debug = this.deps.debug;
    if (typeof data !== 'string') {
      debug.framesReceived += 1;
      if (data instanceof ArrayBuffer && acceptsAudio(this.store.getState())) {
        this.audio?.play(data);
      } else {
        this.droppedLate += 1;
        this.updateDropped();
      }
      return;
    }
    const message = parseServerMessage(data);
    if (!message) {
      console.warn('voice socket: ignored a message that is not a known {event, data}');
      return;
    }
    if (message.event === 'turn_state' && message.data.state === 'interrupted') {
      this.audio?.flush(); // before anything else: the user is talking over the agent
      debug.interruptionsReceived += 1;
    }
    if (message.event === 'ready') debug.socketsReady += 1;
    if (message.event === 'service_error') debug.serviceErrors += 1;
    this.dispatch({ type: 'server', message });
  }

  private onSocketClosed(code: number, reason: string): void {
    this.socket = null;
    if (this.stopped) return;
    const state = this.dispatch({ type: 'socket_closed', code, reason });
    if (state.connection === 'reconnecting' && state.retryInMs !== null) {
      this.deps.debug.reconnectAttempts += 1;
      this.cancelRetry = this.deps.schedule(() => {
        this.cancelRetry = null;
        void this.connect();
      }, state.retryInMs);
    } else if (state.connection !== 'open') {
      this.stopped = true;
      this.audio?.close();
    }
  }

  private sendFrame(frame: ArrayBuffer): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.store.getState().connection !== 'open') return;
    if (this.store.getState().muted) {
      this.deps.debug.framesMuted += 1;
      return;
    }
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    socket.send(frame);
    this.deps.debug.framesSent += 1;
    this.deps.debug.lastFrameBytes = frame.byteLength;
  }

  private onPlaybackStats(stats: PlaybackStats): void {
    const debug = this.deps.debug;
    debug.framesPlayed = this.debugAtStart.played + stats.framesPlayed;
    debug.framesBuffered = stats.framesBuffered;
    this.flushedByWorklet = stats.framesDropped;
    this.updateDropped();
  }

  private updateDropped(): void {
    this.deps.debug.framesDroppedOnInterrupt = this.debugAtStart.dropped + this.flushedByWorklet + this.droppedLate;
  }

  private fail(source: TalkError['source'], code: string, message: string): void {
    this.dispatch({ type: 'fatal', source, code, message });
    this.stopped = true;
    this.cancelRetry?.();
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.audio?.close();
  }

  private dispatch(action: TalkAction): TalkState {
    const state = this.store.dispatch(action);
    this.deps.debug.state = {
      connection: state.connection,
      indicator: indicatorOf(state),
      turnState: state.turnState,
      sessionId: state.sessionId,
      agentId: state.agentId,
      turns: state.turns.length,
      error: state.error ? `${state.error.code}: ${state.error.message}` : null,
    };
    return state;
  }
}
