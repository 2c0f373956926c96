import { randomUUID } from 'node:crypto';
import type { Bus, BusSubscription, Frame, PipelineSession } from '@voxbridge/bus';
import {
  AUDIO_IN_SAMPLE_RATE_HZ,
  AUDIO_OUT_SAMPLE_RATE_HZ,
  ControlEvent,
  ErrorCode,
  FRAME_DURATION_MS,
  VOICE_MAX_MESSAGE_BYTES,
  KEY_REVOKED_CLOSE_CODE,
  KEY_REVOKED_CLOSE_REASON,
  STAGE_SERVICE,
  mediaSubject,
  ReplyEvent,
  TranscriptEvent,
  TurnEvent,
  VadEvent,
  type MediaStream,
  type PipelineStage,
  type VoiceServerMessage,
} from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import { WebSocket, type RawData } from 'ws';
import { isAudioInFrame, parseClientMessage, wrongFrameSizeMessage } from './client-messages';
import type { TurnMetricsRelay } from './turn-metrics.relay';
import type { FrameBatch } from './frame-batch';
import { closeCodeOf, closeReason, VoiceCloseCode, VoiceSetupError, VoiceSetupErrorCode } from './voice.errors';
import type { VoiceMetrics } from './voice.metrics';
import { StageRecovery } from './stage-recovery';
import { voiceMessage, VoiceEventMapper } from './voice-event-mapper';
import { serviceErrorOf, type VoiceFleetClient } from './voice-fleet.client';
import { parseVoiceQuery } from './voice-query';

export interface VoiceConnectionDeps {
  bus: Bus;
  /** Durable facts for session-store: when each turn's first frame reached the user. */
  facts: Pick<TurnFacts, 'delivered'>;
  fleet: VoiceFleetClient;
  /** Microphone frames of all sockets leave for `audio.in` together, once per event-loop turn. */
  frames: FrameBatch;
  relay: TurnMetricsRelay;
  metrics: VoiceMetrics;
  logger: AppLogger;
  /** Unsent bytes beyond which the client is too slow (close 1013). */
  maxBufferedBytes: number;
}

/** What the connection needs of the upgrade request. */
export interface VoiceUpgrade {
  url?: string;
  authorization?: string;
}

/** A client sending wrong-sized frames hears about it at most this often. */
const FRAME_ERROR_INTERVAL_MS = 1_000;
/** A closed client that does not finish the close handshake in this time is cut off. */
const CLOSE_HANDSHAKE_MS = 1_000;

function bytesOf(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/**
 * One browser on `/ws/voice`: authenticates, opens (or resumes) the session, claims it from
 * stt-gateway, llm-router and tts-gateway, then relays microphone frames to `audio.in` and the
 * session's media plane back as `{event, data}` messages and binary audio. Everything it set up
 * (subscriptions, heartbeat, claims) is undone whichever way it closes; `closed` resolves then.
 */
export class VoiceConnection {
  readonly id = randomUUID();
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private phase: 'opening' | 'live' | 'closing' = 'opening';
  private session?: { id: string; agentId: string };
  private pipeline?: Promise<PipelineSession>;
  private subscriptions: BusSubscription[] = [];
  private stopMetrics?: () => void;
  private readonly mapper = new VoiceEventMapper();
  private readonly recovery = new StageRecovery();
  private muted = false;
  /** The client sent `end`: the conversation is over (not a drop to resume from). */
  private endedByClient = false;
  private seq = 0;
  /** The turn whose first frame was sent last (its `delivered` fact is stored once). */
  private deliveredTurnId: string | undefined;
  private lastFrameErrorAtMs = Number.NEGATIVE_INFINITY;
  private awaitingPong = false;
  private closeCode?: number;
  /** `end` arrived while the socket was still opening: honoured once it is live (a refusal wins). */
  private endWhenLive = false;
  /** The API key behind the credential (for a voice token: the key that minted it), once verified. */
  private keyId?: string;
  private cleanup?: Promise<void>;
  private logger: AppLogger;

  constructor(
    private readonly ws: WebSocket,
    private readonly upgrade: VoiceUpgrade,
    private readonly deps: VoiceConnectionDeps,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.logger = deps.logger.child({ connection_id: this.id });
  }

  start(): void {
    this.ws.on('message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary));
    this.ws.on('pong', () => {
      this.awaitingPong = false;
    });
    this.ws.on('close', (code: number) => {
      if (this.closeCode === undefined) {
        this.closeCode = code;
        this.deps.metrics.closed(code);
      }
      void this.finish();
    });
    this.ws.on('error', (error: Error) => {
      this.logger.debug('voice socket error', { err: error });
      void this.finish();
    });
    this.open().catch((error: unknown) => this.fail(error));
  }

  /** The liveness tick: a client that did not answer the previous ping is cut off. */
  ping(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      this.logger.info('voice socket cut off: no pong');
      this.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.ws.ping();
  }

  /** Its API key was revoked (`auth.v1.evt.key.revoked`): closes with 4401 when the socket is that key's. */
  closeIfKeyRevoked(keyId: string): boolean {
    if (this.keyId === undefined || this.keyId !== keyId.toLowerCase() || this.phase === 'closing') return false;
    this.close(KEY_REVOKED_CLOSE_CODE, KEY_REVOKED_CLOSE_REASON);
    return true;
  }

  /**
   * The gateway lost (or got back) its connection to NATS: while it is gone nothing said reaches
   * the fleet, so the user is told at once instead of talking into silence.
   */
  busConnectionChanged(connected: boolean): void {
    if (this.phase !== 'live') return;
    this.send([
      connected
        ? voiceMessage('service_recovered', { service: 'nats', message: 'the message bus (NATS) is back' })
        : voiceMessage('service_error', {
            code: ErrorCode.Unavailable,
            message: 'webrtc-gateway lost the message bus (NATS): what you say now is not heard; reconnecting',
            service: 'nats',
          }),
    ]);
  }

  /** Server shutdown: tells the client and undoes everything. */
  shutdown(): Promise<void> {
    this.close(VoiceCloseCode.GoingAway, 'server shutting down');
    return this.closed;
  }

  // ---- setup -------------------------------------------------------------------------------------

  private async open(): Promise<void> {
    const parsed = parseVoiceQuery(this.upgrade.url, this.upgrade.authorization);
    if (!parsed.ok) {
      const code = parsed.problem === 'unauthorized' ? VoiceSetupErrorCode.Unauthorized : VoiceSetupErrorCode.BadRequest;
      throw new VoiceSetupError(code, parsed.reason);
    }
    const { agentId, sessionId, credential } = parsed.query;
    const { fleet } = this.deps;
    const principal = await fleet.verify(credential, agentId, sessionId);
    if (this.phase !== 'opening') return;
    this.keyId = principal.key_id.toLowerCase();
    const agent = await fleet.agent(agentId);
    if (this.phase !== 'opening') return;
    const { session, resumed } = await fleet.openSession({ agentId, sessionId, userId: `key:${principal.key_id}`, keyId: principal.key_id });
    if (this.phase !== 'opening') return;

    this.logger = this.logger.child({ session_id: session.id, agent_id: agentId });
    this.session = { id: session.id, agentId };
    this.pipeline = fleet.openPipeline(session.id, agentId, {
      stageFailed: (failure) => {
        if (this.phase === 'live') this.send([voiceMessage('service_error', serviceErrorOf(failure.service, failure.cause))]);
      },
      stageRecovered: (stage) => {
        this.logger.info('voice pipeline stage answers again', { stage });
        const service = STAGE_SERVICE[stage];
        if (this.phase === 'live') this.send([voiceMessage('service_recovered', { service, message: `${service} answers again` })]);
      },
      stageMoved: (stage, move) => {
        this.logger.info('voice pipeline stage moved to another replica', { stage, took_over: move.tookOver });
        // Only a replica that took over from a dead one needs help. A hand-over (SIGTERM) overlaps:
        // stt hears on until the new replica listens, llm finishes the turn it is answering; only
        // tts, which stops speaking, has its turn cut short (and the user is told).
        if (move.tookOver || stage === 'tts') this.recover(stage);
      },
    });
    await this.pipeline;
    if (this.phase !== 'opening') return;

    this.follow(session.id);
    this.phase = 'live';
    if (this.endWhenLive) {
      this.endedByClient = true;
      this.close(VoiceCloseCode.Ended, 'ended by the client');
      return;
    }
    this.send([
      voiceMessage('ready', {
        session_id: session.id,
        agent_id: agentId,
        agent_name: agent.name,
        input_sample_rate: AUDIO_IN_SAMPLE_RATE_HZ,
        output_sample_rate: AUDIO_OUT_SAMPLE_RATE_HZ,
        frame_ms: FRAME_DURATION_MS,
        resumed,
      }),
      ...this.mapper.listening(),
    ]);
    this.logger.info('voice socket ready', { key_id: principal.key_id, resumed });
  }

  private fail(error: unknown): void {
    if (error instanceof VoiceSetupError) {
      this.logger.info('voice socket refused', { code: error.code, reason: error.message, service: error.serviceError?.service });
      if (error.serviceError) this.send([voiceMessage('service_error', error.serviceError)]);
      this.close(closeCodeOf(error.code), error.message);
      return;
    }
    const errorId = randomUUID();
    this.logger.error('voice socket setup failed', { error_id: errorId, err: error });
    this.send([voiceMessage('service_error', { code: ErrorCode.Internal, message: `webrtc-gateway failed (error id ${errorId})`, service: 'webrtc-gateway' })]);
    this.close(VoiceCloseCode.FleetFailed, `internal error ${errorId}`);
  }

  /** The session's media plane to the client: one subscription per stream (not `>`: that would echo our own audio.in). */
  private follow(sessionId: string): void {
    const { bus } = this.deps;
    const json = <T extends { session_id: string }>(stream: MediaStream, type: new () => T, map: (event: T) => VoiceServerMessage[]) =>
      bus.subscribeJson(mediaSubject(sessionId, stream), type, (event) => {
        if (this.phase === 'live' && event.session_id.toLowerCase() === sessionId.toLowerCase()) this.send(map(event));
      });
    this.subscriptions = [
      json('vad', VadEvent, (e) => this.mapper.vad(e)),
      json('transcript', TranscriptEvent, (e) => {
        this.recovery.transcript(e);
        return this.mapper.transcript(e);
      }),
      json('reply', ReplyEvent, (e) => {
        this.recovery.reply(e);
        return this.mapper.reply(e);
      }),
      json('turn', TurnEvent, (e) => {
        this.recovery.turn(e);
        return this.mapper.turn(e);
      }),
      json('control', ControlEvent, (e) => {
        this.mapper.control(e);
        return [];
      }),
      bus.subscribeFrames(mediaSubject(sessionId, 'audio.out'), (frame) => this.audioOut(frame)),
    ];
    this.stopMetrics = this.deps.relay.listen(sessionId, (event) => {
      if (this.phase === 'live') this.send(this.mapper.recorded(event));
    });
  }

  // ---- client → fleet ----------------------------------------------------------------------------

  private receive(data: RawData, isBinary: boolean): void {
    const bytes = bytesOf(data);
    if (bytes.byteLength > VOICE_MAX_MESSAGE_BYTES) {
      this.close(VoiceCloseCode.TooLarge, `message of ${bytes.byteLength} bytes; at most ${VOICE_MAX_MESSAGE_BYTES}`);
      return;
    }
    if (isBinary) this.audioIn(bytes);
    else this.command(bytes.toString('utf8'));
  }

  private audioIn(bytes: Buffer): void {
    const { metrics } = this.deps;
    if (this.phase !== 'live' || !this.session) {
      metrics.frameDropped('not_ready');
      return;
    }
    if (!isAudioInFrame(bytes.byteLength)) {
      metrics.frameDropped('wrong_size');
      const nowMs = Date.now();
      if (nowMs - this.lastFrameErrorAtMs >= FRAME_ERROR_INTERVAL_MS) {
        this.lastFrameErrorAtMs = nowMs;
        this.logger.debug('voice frame of the wrong size dropped', { size_bytes: bytes.byteLength });
        this.send([voiceMessage('service_error', { code: ErrorCode.ValidationFailed, message: wrongFrameSizeMessage(bytes.byteLength) })]);
      }
      return;
    }
    if (this.muted) {
      metrics.frameDropped('muted');
      return;
    }
    const frame = { bytes, seq: this.seq++, timestampMs: Date.now() };
    this.deps.frames.publish(mediaSubject(this.session.id, 'audio.in'), bytes, { seq: frame.seq, timestampMs: frame.timestampMs });
    this.recovery.audioSent(frame);
    metrics.frameRelayed('in');
  }

  /**
   * A stage's replica died and another took the session over: the new speech-to-text replica
   * hears again what the dead one may have missed; an utterance no LLM had started on is asked
   * again; a turn being answered or spoken is cut short everywhere and the user is told which
   * stage failed.
   */
  private recover(stage: PipelineStage): void {
    const session = this.session;
    if (this.phase !== 'live' || !session) return;
    const plan = this.recovery.plan(stage);
    const { bus } = this.deps;
    // Through the batch, behind any live frame still waiting in it (order as sent).
    for (const frame of plan.replay ?? []) this.deps.frames.publish(mediaSubject(session.id, 'audio.in'), frame.bytes, { seq: frame.seq, timestampMs: frame.timestampMs });
    if (plan.republish) bus.publishJson(mediaSubject(session.id, 'transcript'), plan.republish);
    if (plan.cutShort) {
      const cancel: ControlEvent = { session_id: session.id, action: 'cancel', turn_id: plan.cutShort.turnId, reason: 'stage_restarted', at_ms: Date.now() };
      this.mapper.control(cancel);
      bus.publishJson(mediaSubject(session.id, 'control'), cancel);
      this.send([voiceMessage('service_error', plan.cutShort.error)]);
    }
    this.logger.warn('voice session recovered after a stage moved', {
      stage,
      replayed_frames: plan.replay?.length ?? 0,
      republished: plan.republish !== undefined,
      cut_short: plan.cutShort !== undefined,
    });
  }

  private command(text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.send([voiceMessage('service_error', { code: ErrorCode.ValidationFailed, message: parsed.message })]);
      return;
    }
    switch (parsed.action) {
      case 'mute':
        this.muted = true;
        return;
      case 'unmute':
        this.muted = false;
        return;
      case 'interrupt':
        this.interrupt();
        return;
      case 'end':
        // Before the credential is checked nothing is ended: a refusal must still say why.
        if (this.phase === 'opening') {
          this.endWhenLive = true;
          return;
        }
        this.endedByClient = true;
        this.close(VoiceCloseCode.Ended, 'ended by the client');
        return;
    }
  }

  /** Cancels whatever turn is running; its audio still in flight is dropped here at once. */
  private interrupt(): void {
    if (this.phase !== 'live' || !this.session) return;
    const event: ControlEvent = { session_id: this.session.id, action: 'cancel', reason: 'client_interrupt', at_ms: Date.now() };
    this.mapper.control(event);
    this.deps.bus.publishJson(mediaSubject(this.session.id, 'control'), event);
  }

  // ---- fleet → client ----------------------------------------------------------------------------

  private audioOut(frame: Frame): void {
    if (this.phase !== 'live') return;
    if (!this.mapper.acceptsAudio(frame.turnId)) {
      this.deps.metrics.frameDropped('turn_cancelled');
      return;
    }
    if (!this.write(frame.payload)) return;
    this.deps.metrics.frameRelayed('out');
    if (frame.turnId && frame.turnId !== this.deliveredTurnId && this.session) {
      // The timeline's last mark: the turn's first frame left for the user.
      this.deliveredTurnId = frame.turnId;
      void this.deps.facts.delivered({ session_id: this.session.id, turn_id: frame.turnId, marks: { first_frame_sent: Date.now() } });
    }
  }

  private send(messages: VoiceServerMessage[]): void {
    for (const message of messages) this.write(JSON.stringify(message));
  }

  /** Sends unless the client lags more than maxBufferedBytes behind: then it is closed (1013). */
  private write(data: string | Uint8Array): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.ws.bufferedAmount > this.deps.maxBufferedBytes) {
      this.logger.warn('voice client too slow; disconnected', { buffered_bytes: this.ws.bufferedAmount, max_buffered_bytes: this.deps.maxBufferedBytes });
      this.close(VoiceCloseCode.TooSlow, 'client too slow');
      return false;
    }
    this.ws.send(data);
    return true;
  }

  // ---- teardown ----------------------------------------------------------------------------------

  private close(code: number, reason: string): void {
    if (this.closeCode === undefined) {
      this.closeCode = code;
      this.deps.metrics.closed(code);
    }
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, closeReason(reason));
      // The close frame queues behind whatever the client is not reading; do not wait for it forever.
      setTimeout(() => this.ws.terminate(), CLOSE_HANDSHAKE_MS).unref();
    }
    void this.finish();
  }

  private finish(): Promise<void> {
    this.cleanup ??= this.undo().finally(() => this.markClosed());
    return this.cleanup;
  }

  /** Subscriptions stop at once; the pipeline is released once its opening settled. */
  private async undo(): Promise<void> {
    this.phase = 'closing';
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    this.stopMetrics?.();
    const session = this.session;
    if (session) {
      const pipeline = await this.pipeline?.catch(() => undefined);
      await pipeline?.release();
      // `end` closes the conversation; a dropped socket leaves it open for the client to resume.
      if (this.endedByClient) await this.deps.fleet.endSession(session.id);
    }
    this.logger.info('voice socket closed', { code: this.closeCode });
  }
}
