import { randomUUID } from 'node:crypto';
import { FRAME_DURATION_MS } from '@voxbridge/audio';
import type { TranscriptEvent, TurnTranscribedFact, VadKind } from '@voxbridge/contracts';
import type { AppLogger } from '@voxbridge/platform';
import { SttError, SttErrorCode, type ResolvedSttProvider } from '../providers';
import { EndOfTurnDetector, EnergyVoiceActivityDetector, PreRollBuffer, type TurnEvent } from '../vad';
import { ProviderLink, type ProviderLinkOptions, type UtteranceHandle } from './provider-link';
import type { SttMetrics } from './stt.metrics';

/** Audio kept before the turn is confirmed, so the provider hears the utterance from its start. */
const PRE_ROLL_KEEP_MS = 1_000;
/** Lead-in before the first voiced frame sent to the provider. */
const PRE_ROLL_LEAD_MS = 100;
/** No frame for this long: the stream stalled (or stopped), and the timer lets time pass as silence. */
export const STALL_MS = 2 * FRAME_DURATION_MS;
const ERROR_MESSAGE_MAX = 500;

/** Whose voice a stream carries: absent id = the session's one default speaker (the browser). */
export interface Speaker {
  id?: string;
  name?: string;
}

export interface SpeakerStreamOptions {
  sessionId: string;
  agentId: string;
  speaker: Speaker;
  silenceMs: number;
  maxUtteranceMs: number;
  provider: ResolvedSttProvider;
  howToConfigure: string;
  /** The provider stream's options (language, stream id, abort, final deadline). */
  link: ProviderLinkOptions;
}

/** Where a speaker's events go; the session adds its id and publishes. */
export interface SpeakerStreamSink {
  vad(event: { kind: VadKind; utterance_id: string; at_ms: number; speaker_id?: string; speaker_name?: string }): void;
  transcript(event: Omit<TranscriptEvent, 'session_id'>): void;
  /** The final transcript as a durable fact (resolves once stored, or given up). */
  transcribed(fact: Omit<TurnTranscribedFact, 'session_id'>): Promise<boolean>;
}

interface Utterance extends UtteranceHandle {
  reported: boolean;
}

/**
 * One speaker's audio in a session → VAD / end of turn → provider stream → events, every one
 * naming the speaker. Frame times are the speaker's own capture times; `tick` lets wall-clock time
 * pass as silence when that speaker's frames stop (packet gaps are silence).
 */
export class SpeakerStream {
  private readonly detector: EndOfTurnDetector;
  private readonly preRoll = new PreRollBuffer(PRE_ROLL_KEEP_MS);
  private readonly link: ProviderLink | undefined;
  private readonly log: AppLogger;
  private lastFrame: { endMs: number; arrivedAtMs: number } | undefined;
  private current: Utterance | undefined;
  /** The utterance id of a `voice_onset` not yet confirmed or dismissed; `speech_started` reuses it. */
  private onsetUtteranceId: string | undefined;
  /** Finals being asked for; the stream is not idle while any is. */
  private finishing = 0;
  private stopped = false;
  /** Wall-clock time of the last frame (or of the stream's start). */
  lastArrivalMs = Date.now();

  constructor(
    private readonly options: SpeakerStreamOptions,
    private readonly deps: { logger: AppLogger; metrics: SttMetrics; sink: SpeakerStreamSink },
  ) {
    this.log = deps.logger;
    this.detector = new EndOfTurnDetector(new EnergyVoiceActivityDetector(), {
      silenceMs: options.silenceMs,
      maxUtteranceMs: options.maxUtteranceMs,
    });
    if (options.provider.ok) {
      this.link = new ProviderLink(options.provider.provider, options.link, {
        partial: (utterance, partial) => this.deps.sink.transcript({ ...this.speakerFields(true), utterance_id: utterance.id, kind: 'partial', text: partial.text }),
        failed: (utterance, error) => this.reportFailure(utterance as Utterance, error),
      });
    }
  }

  get providerName(): string {
    return this.options.provider.ok ? this.options.provider.provider.name : this.options.provider.error.provider;
  }

  /** Nothing in flight: no utterance, no onset, no final being asked for. */
  get idle(): boolean {
    return !this.detector.inTurn && !this.detector.onsetPending && this.finishing === 0;
  }

  /** A later frame may carry a new display name (a nickname change). */
  rename(name: string | undefined): void {
    if (name) this.options.speaker.name = name;
  }

  onFrame(payload: Uint8Array, timestampMs: number): void {
    if (this.stopped) return;
    this.lastArrivalMs = Date.now();
    this.lastFrame = { endMs: timestampMs + FRAME_DURATION_MS, arrivedAtMs: this.lastArrivalMs };
    const running = this.detector.inTurn ? this.current : undefined;
    this.preRoll.push(payload, timestampMs);
    const events = this.detector.process(payload, timestampMs);
    // A frame of a turn in progress belongs to it (at worst as trailing silence before finalize).
    if (running) this.link?.push(running, payload);
    events.forEach((event) => this.onTurnEvent(event));
  }

  tick(): void {
    if (this.stopped || !(this.detector.inTurn || this.detector.onsetPending) || !this.lastFrame) return;
    const sinceArrivalMs = Date.now() - this.lastFrame.arrivedAtMs;
    if (sinceArrivalMs < STALL_MS) return;
    this.detector.advanceTo(this.lastFrame.endMs + sinceArrivalMs).forEach((event) => this.onTurnEvent(event));
  }

  /**
   * Ends the stream: the `voice_dismissed` of an onset still pending goes out (a speaker paused for
   * it must not wait in vain), then nothing more; the provider stream closes.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.detector.reset().forEach((event) => this.onTurnEvent(event));
    this.stopped = true;
    await this.link?.close();
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
    this.finishing += 1;
    const decidedAtMs = Date.now();
    try {
      const final = await this.link.finish(utterance);
      if (this.stopped) return;
      const finalAtMs = Date.now();
      const sttLatencyMs = finalAtMs - decidedAtMs;
      this.deps.metrics.final(this.link.providerName, this.options.agentId, sttLatencyMs);
      this.deps.sink.transcript({
        ...this.speakerFields(true),
        utterance_id: utterance.id,
        kind: 'final',
        text: final.text,
        speech_end_at_ms: Math.round(event.tSpeechEndMs),
        end_of_turn_silence_ms: Math.round(event.atMs - event.tSpeechEndMs),
        final_at_ms: finalAtMs,
        stt_latency_ms: sttLatencyMs,
        provider: this.link.providerName,
      });
      this.log.debug('stt final transcript published', { utterance_id: utterance.id, speaker_id: this.options.speaker.id, stt_latency_ms: sttLatencyMs, text: final.text });
      // The turn's first durable fact; its id is the utterance's, so every stage names the same turn.
      await this.deps.sink.transcribed({
        ...this.speakerFields(true),
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
    } catch (error) {
      this.reportFailure(utterance, error instanceof SttError ? error : new SttError(SttErrorCode.Protocol, this.providerName, 'unexpected failure', { cause: error }));
    } finally {
      this.finishing -= 1;
    }
  }

  /** One `transcript` error per utterance, naming the provider and how to configure it. */
  private reportFailure(utterance: Utterance, error: SttError): void {
    if (utterance.reported || this.stopped || error.code === SttErrorCode.Aborted) return;
    utterance.reported = true;
    const provider = error.provider || this.providerName;
    const message = `Speech-to-text provider ${provider} failed (${error.code}): ${error.message}. ${this.options.howToConfigure}`;
    this.deps.metrics.providerError(provider, error.code);
    this.log.warn('stt provider failed for an utterance', { utterance_id: utterance.id, speaker_id: this.options.speaker.id, provider, code: error.code, err: error });
    this.deps.sink.transcript({
      ...this.speakerFields(true),
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
    this.deps.sink.vad({ ...this.speakerFields(false), kind, utterance_id: utteranceId, at_ms: Math.round(atMs) });
  }

  /** `speaker_id` / `speaker_name` when the frames named a speaker (and the legacy `speaker`: the name). */
  private speakerFields(withLegacy: boolean): { speaker_id?: string; speaker_name?: string; speaker?: string } {
    const { id, name } = this.options.speaker;
    if (id === undefined) return {};
    return { speaker_id: id, ...(name ? { speaker_name: name, ...(withLegacy ? { speaker: name } : {}) } : {}) };
  }
}
