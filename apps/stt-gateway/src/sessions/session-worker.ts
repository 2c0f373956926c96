import { randomUUID } from 'node:crypto';
import { AUDIO_IN_FRAME_BYTES, FRAME_DURATION_MS } from '@voxbridge/audio';
import type { Bus, BusSubscription, Frame } from '@voxbridge/bus';
import { agentDeadlineMs, ControlEvent, DEFAULT_AGENT_DEADLINES, mediaSubject, type AgentDeadlines, type TranscriptEvent, type VadEvent, type VadKind } from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import { SttError, SttErrorCode, type ResolvedSttProvider } from '../providers';
import { EndOfTurnDetector, EnergyVoiceActivityDetector, PreRollBuffer, type TurnEvent } from '../vad';
import { ProviderLink, type ProviderLinkOptions, type UtteranceHandle } from './provider-link';
import type { FrameDropReason, SttMetrics } from './stt.metrics';

/** Audio kept before the turn is confirmed, so the provider hears the utterance from its start. */
const PRE_ROLL_KEEP_MS = 1_000;
/** Lead-in before the first voiced frame sent to the provider. */
const PRE_ROLL_LEAD_MS = 100;
/** No frame for this long: the stream stalled (or stopped), and the timer lets time pass as silence. */
const STALL_MS = 2 * FRAME_DURATION_MS;
const ERROR_MESSAGE_MAX = 500;

export interface SessionWorkerOptions {
  sessionId: string;
  agentId: string;
  language: string;
  silenceMs: number;
  maxUtteranceMs: number;
  /** The provider for the agent, or why there is none (reported on every utterance). */
  provider: ResolvedSttProvider;
  /** The sentence telling an operator how to configure the agent's provider. */
  howToConfigure: string;
  /** Called when the session's `control` says `end`. */
  onEnd: () => void;
  /** The agent's deadlines; `stt_final_ms` bounds each final transcript (absent or null: the default). */
  deadlines?: AgentDeadlines | null;
}

/** What the session's provider streams are opened with: language, stream id, abort, the agent's final deadline. */
export function providerLinkOptions(options: SessionWorkerOptions, signal: AbortSignal): ProviderLinkOptions {
  return {
    language: options.language,
    streamId: options.sessionId,
    signal,
    finalDeadlineMs: agentDeadlineMs(options.deadlines, 'stt_final_ms', DEFAULT_AGENT_DEADLINES.stt_final_ms),
  };
}

export interface SessionWorkerDeps {
  bus: Bus;
  logger: AppLogger;
  metrics: SttMetrics;
  /** Durable facts for session-store: the final transcript of each turn. */
  facts: Pick<TurnFacts, 'transcribed'>;
}

interface Utterance extends UtteranceHandle {
  reported: boolean;
}

/**
 * One session's audio in → VAD / end of turn → provider → `vad` and `transcript` events. Frame
 * times are the gateway's capture times; a timer lets wall-clock time pass as silence when frames
 * stop (on the stream's clock, so clock skew between hosts does not end turns early).
 */
export class SessionWorker {
  private readonly detector: EndOfTurnDetector;
  private readonly preRoll = new PreRollBuffer(PRE_ROLL_KEEP_MS);
  private readonly abort = new AbortController();
  private readonly link: ProviderLink | undefined;
  private readonly loggedDrops = new Set<string>();
  private readonly log: AppLogger;
  private subscriptions: BusSubscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFrame: { endMs: number; arrivedAtMs: number } | undefined;
  private current: Utterance | undefined;
  /** The utterance id of a `voice_onset` not yet confirmed or dismissed; `speech_started` reuses it. */
  private onsetUtteranceId: string | undefined;
  private stopped = false;
  /** Facts still being stored (retried through a NATS outage); stop waits for them. */
  private readonly storing = new Set<Promise<boolean>>();

  constructor(
    private readonly options: SessionWorkerOptions,
    private readonly deps: SessionWorkerDeps,
  ) {
    this.log = deps.logger.child({ session_id: options.sessionId, agent_id: options.agentId });
    this.detector = new EndOfTurnDetector(new EnergyVoiceActivityDetector(), {
      silenceMs: options.silenceMs,
      maxUtteranceMs: options.maxUtteranceMs,
    });
    if (options.provider.ok) {
      this.link = new ProviderLink(
        options.provider.provider,
        providerLinkOptions(options, this.abort.signal),
        {
          partial: (utterance, partial) => this.publishTranscript({ utterance_id: utterance.id, kind: 'partial', text: partial.text }),
          failed: (utterance, error) => this.reportFailure(utterance as Utterance, error),
        },
      );
    }
  }

  get providerName(): string {
    return this.options.provider.ok ? this.options.provider.provider.name : this.options.provider.error.provider;
  }

  start(): void {
    const { sessionId } = this.options;
    this.subscriptions = [
      this.deps.bus.subscribeFrames(mediaSubject(sessionId, 'audio.in'), (frame) => this.onFrame(frame)),
      this.deps.bus.subscribeJson(mediaSubject(sessionId, 'control'), ControlEvent, (event) => this.onControl(event)),
    ];
    this.timer = setInterval(() => this.onTick(), FRAME_DURATION_MS);
    this.timer.unref();
  }

  /**
   * Unsubscribes everything, aborts the provider's work; nothing is published afterwards except the
   * `voice_dismissed` of an onset still pending (a speaker paused for it must not wait in vain).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.detector.reset().forEach((event) => this.onTurnEvent(event));
    this.stopped = true;
    clearInterval(this.timer);
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
    this.abort.abort();
    await Promise.all([this.link?.close(), ...this.subscriptions.map((subscription) => subscription.closed)]);
    this.subscriptions = [];
    await Promise.all([...this.storing]);
  }

  private onFrame(frame: Frame): void {
    if (this.stopped) return;
    if (frame.payload.byteLength !== AUDIO_IN_FRAME_BYTES) return this.drop('wrong_size', { size_bytes: frame.payload.byteLength });
    this.lastFrame = { endMs: frame.timestampMs + FRAME_DURATION_MS, arrivedAtMs: Date.now() };
    const running = this.detector.inTurn ? this.current : undefined;
    this.preRoll.push(frame.payload, frame.timestampMs);
    const events = this.detector.process(frame.payload, frame.timestampMs);
    // A frame of a turn in progress belongs to it (at worst as trailing silence before finalize).
    if (running) this.link?.push(running, frame.payload);
    events.forEach((event) => this.onTurnEvent(event));
  }

  private onTick(): void {
    if (this.stopped || !(this.detector.inTurn || this.detector.onsetPending) || !this.lastFrame) return;
    const sinceArrivalMs = Date.now() - this.lastFrame.arrivedAtMs;
    if (sinceArrivalMs < STALL_MS) return;
    this.detector.advanceTo(this.lastFrame.endMs + sinceArrivalMs).forEach((event) => this.onTurnEvent(event));
  }

  private onControl(event: ControlEvent): void {
    if (this.stopped || event.action !== 'end') return;
    if (event.session_id !== this.options.sessionId) {
      this.deps.metrics.messageRejected('session_mismatch');
      this.log.warn('stt control event ignored: session id does not match its subject', { event_session_id: event.session_id });
      return;
    }
    this.options.onEnd();
  }

  private onTurnEvent(event: TurnEvent): void {
    this.deps.metrics.vadEvent(event.type);
    switch (event.type) {
      case 'voice_onset': {
        this.onsetUtteranceId = randomUUID();
        this.publishVad('voice_onset', this.onsetUtteranceId, event.tVoiceStartMs);
        return;
      }
      case 'voice_dismissed': {
        const utteranceId = this.onsetUtteranceId;
        this.onsetUtteranceId = undefined;
        if (utteranceId) this.publishVad('voice_dismissed', utteranceId, event.tVoiceEndMs);
        return;
      }
      case 'speech_started': {
        const utterance: Utterance = { id: this.onsetUtteranceId ?? randomUUID(), reported: false };
        this.onsetUtteranceId = undefined;
        this.current = utterance;
        this.publishVad('speech_started', utterance.id, event.tSpeechStartMs);
        if (this.link) this.link.begin(utterance, this.preRoll.since(event.tSpeechStartMs - PRE_ROLL_LEAD_MS));
        else if (!this.options.provider.ok) this.reportFailure(utterance, this.options.provider.error);
        return;
      }
      case 'speech_stopped':
        if (this.current) this.publishVad('speech_stopped', this.current.id, event.tSpeechEndMs);
        return;
      case 'end_of_turn': {
        const utterance = this.current;
        this.current = undefined;
        if (utterance) void this.finish(utterance, event);
        return;
      }
    }
  }

  private async finish(utterance: Utterance, event: Extract<TurnEvent, { type: 'end_of_turn' }>): Promise<void> {
    if (!this.link) return;
    const decidedAtMs = Date.now();
    try {
      const final = await this.link.finish(utterance);
      if (this.stopped) return;
      const finalAtMs = Date.now();
      const sttLatencyMs = finalAtMs - decidedAtMs;
      this.deps.metrics.final(this.link.providerName, this.options.agentId, sttLatencyMs);
      this.publishTranscript({
        utterance_id: utterance.id,
        kind: 'final',
        text: final.text,
        speech_end_at_ms: Math.round(event.tSpeechEndMs),
        end_of_turn_silence_ms: Math.round(event.atMs - event.tSpeechEndMs),
        final_at_ms: finalAtMs,
        stt_latency_ms: sttLatencyMs,
        provider: this.link.providerName,
      });
      this.log.debug('stt final transcript published', { utterance_id: utterance.id, stt_latency_ms: sttLatencyMs, text: final.text });
      // The turn's first durable fact; its id is the utterance's, so every stage names the same turn.
      const storing = this.deps.facts.transcribed({
        session_id: this.options.sessionId,
        turn_id: utterance.id,
        agent_id: this.options.agentId,
        user_text: final.text,
        stt_provider: this.link.providerName,
        marks: {
          speech_end: Math.round(event.tSpeechEndMs),
          end_of_turn_due: Math.round(event.tSpeechEndMs + this.options.silenceMs),
          end_of_turn: decidedAtMs,
          stt_final: finalAtMs,
        },
      });
      this.storing.add(storing);
      void storing.finally(() => this.storing.delete(storing));
    } catch (error) {
      this.reportFailure(utterance, error instanceof SttError ? error : new SttError(SttErrorCode.Protocol, this.providerName, 'unexpected failure', { cause: error }));
    }
  }

  /** One `transcript` error per utterance, naming the provider and how to configure it. */
  private reportFailure(utterance: Utterance, error: SttError): void {
    if (utterance.reported || this.stopped || error.code === SttErrorCode.Aborted) return;
    utterance.reported = true;
    const provider = error.provider || this.providerName;
    const message = `Speech-to-text provider ${provider} failed (${error.code}): ${error.message}. ${this.options.howToConfigure}`;
    this.deps.metrics.providerError(provider, error.code);
    this.log.warn('stt provider failed for an utterance', { utterance_id: utterance.id, provider, code: error.code, err: error });
    this.publishTranscript({
      utterance_id: utterance.id,
      kind: 'error',
      text: '',
      provider,
      error_code: `stt_${error.code}`,
      error_message: message.slice(0, ERROR_MESSAGE_MAX),
    });
  }

  private publishVad(kind: VadKind, utteranceId: string, atMs: number): void {
    if (this.stopped) return;
    const event: VadEvent = { session_id: this.options.sessionId, kind, utterance_id: utteranceId, at_ms: Math.round(atMs) };
    this.deps.bus.publishJson(mediaSubject(this.options.sessionId, 'vad'), event);
  }

  private publishTranscript(fields: Omit<TranscriptEvent, 'session_id'>): void {
    if (this.stopped) return;
    const event: TranscriptEvent = { session_id: this.options.sessionId, ...fields };
    this.deps.bus.publishJson(mediaSubject(this.options.sessionId, 'transcript'), event);
  }

  /** Counted every time, logged once per session and reason. */
  private drop(reason: FrameDropReason, fields: Record<string, unknown>): void {
    this.deps.metrics.frameDropped(reason);
    if (this.loggedDrops.has(reason)) return;
    this.loggedDrops.add(reason);
    this.log.warn('stt frame dropped (logged once per session)', { reason, expected_bytes: AUDIO_IN_FRAME_BYTES, ...fields });
  }
}
