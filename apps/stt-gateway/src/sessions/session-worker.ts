import { randomUUID } from 'node:crypto';
import { AUDIO_IN_FRAME_BYTES, FRAME_DURATION_MS } from '@voxbridge/audio';
import type { Bus, BusSubscription, Frame } from '@voxbridge/bus';
import { agentDeadlineMs, ControlEvent, DEFAULT_AGENT_DEADLINES, mediaSubject, type AgentDeadlines, type TranscriptEvent, type VadEvent } from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import type { ResolvedSttProvider } from '../providers';
import type { ProviderLinkOptions } from './provider-link';
import { SpeakerStream, type Speaker, type SpeakerStreamSink } from './speaker-stream';
import type { FrameDropReason, SttMetrics } from './stt.metrics';

/** Defaults of the per-session speaker bounds (STT_SPEAKER_IDLE_MS, STT_MAX_SPEAKERS_PER_SESSION). */
export const SPEAKER_DEFAULTS = { idleMs: 30_000, maxPerSession: 16 } as const;
/** Refused speakers remembered (so each is reported once) before the memory starts over. */
const REFUSED_SPEAKERS_KEPT = 256;
/** The default speaker's key: frames without `Vb-Speaker-Id`. */
const DEFAULT_SPEAKER = '';

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
  /** A named speaker without frames for this long is closed (the next frame opens it again). */
  speakerIdleMs?: number;
  /** Speakers open at once; frames of one more are dropped and reported. */
  maxSpeakers?: number;
}

/**
 * What the session's provider streams are opened with: language, stream id (the session's, plus
 * the speaker id for a named speaker: each speaker is its own provider stream), abort, the agent's
 * final deadline.
 */
export function providerLinkOptions(options: SessionWorkerOptions, signal: AbortSignal, speakerId?: string): ProviderLinkOptions {
  return {
    language: options.language,
    streamId: speakerId === undefined ? options.sessionId : `${options.sessionId}:${speakerId}`,
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

/**
 * One session's audio in → one SpeakerStream per speaker (`Vb-Speaker-Id`; frames without it are
 * the default speaker) → `vad` and `transcript` events naming the speaker. Speakers are bounded
 * per session; a named speaker whose frames stop is closed once nothing of it is in flight.
 */
export class SessionWorker {
  private readonly abort = new AbortController();
  private readonly speakers = new Map<string, SpeakerStream>();
  private readonly refused = new Set<string>();
  private readonly loggedDrops = new Set<string>();
  private readonly log: AppLogger;
  private readonly sink: SpeakerStreamSink;
  private subscriptions: BusSubscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Facts still being stored (retried through a NATS outage); stop waits for them. */
  private readonly storing = new Set<Promise<boolean>>();
  /** Speaker streams closing (idle); stop waits for them. */
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly options: SessionWorkerOptions,
    private readonly deps: SessionWorkerDeps,
  ) {
    this.log = deps.logger.child({ session_id: options.sessionId, agent_id: options.agentId });
    this.sink = {
      vad: (event) => this.publishVad(event),
      transcript: (event) => this.publishTranscript(event),
      transcribed: (fact) => {
        const storing = this.deps.facts.transcribed({ session_id: this.options.sessionId, ...fact });
        this.storing.add(storing);
        void storing.finally(() => this.storing.delete(storing));
        return storing;
      },
    };
  }

  get providerName(): string {
    return this.options.provider.ok ? this.options.provider.provider.name : this.options.provider.error.provider;
  }

  /** Speakers with an open stream (the default speaker included once it sent a frame). */
  get speakerCount(): number {
    return this.speakers.size;
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
    const streams = [...this.speakers.values()];
    this.speakers.clear();
    const closed = streams.map((stream) => stream.stop());
    this.stopped = true;
    clearInterval(this.timer);
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
    this.abort.abort();
    await Promise.all([...closed, ...this.closing, ...this.subscriptions.map((subscription) => subscription.closed)]);
    this.subscriptions = [];
    this.deps.metrics.speakersActive(-streams.length);
    await Promise.all([...this.storing]);
  }

  private onFrame(frame: Frame): void {
    if (this.stopped) return;
    if (frame.payload.byteLength !== AUDIO_IN_FRAME_BYTES) return this.drop('wrong_size', { size_bytes: frame.payload.byteLength });
    const stream = this.speakerFor({ id: frame.speakerId, name: frame.speakerName });
    stream?.onFrame(frame.payload, frame.timestampMs);
  }

  /** The speaker's stream, opened at its first frame; undefined when the session has too many speakers. */
  private speakerFor(speaker: Speaker): SpeakerStream | undefined {
    const key = speaker.id ?? DEFAULT_SPEAKER;
    const open = this.speakers.get(key);
    if (open) {
      open.rename(speaker.name);
      return open;
    }
    if (this.speakers.size >= this.maxSpeakers) {
      this.refuse(speaker);
      return undefined;
    }
    const stream = new SpeakerStream(
      {
        sessionId: this.options.sessionId,
        agentId: this.options.agentId,
        speaker: { ...speaker },
        silenceMs: this.options.silenceMs,
        maxUtteranceMs: this.options.maxUtteranceMs,
        provider: this.options.provider,
        howToConfigure: this.options.howToConfigure,
        link: providerLinkOptions(this.options, this.abort.signal, speaker.id),
      },
      { logger: speaker.id === undefined ? this.log : this.log.child({ speaker_id: speaker.id }), metrics: this.deps.metrics, sink: this.sink },
    );
    this.speakers.set(key, stream);
    this.deps.metrics.speakersActive(1);
    if (speaker.id !== undefined) this.log.info('stt speaker stream opened', { speaker_id: speaker.id, speakers: this.speakers.size });
    return stream;
  }

  /** Frames of a speaker beyond the session's bound: counted always, reported once per speaker. */
  private refuse(speaker: Speaker): void {
    this.drop('too_many_speakers', { max_speakers: this.maxSpeakers });
    const key = speaker.id ?? DEFAULT_SPEAKER;
    if (this.refused.has(key)) return;
    if (this.refused.size >= REFUSED_SPEAKERS_KEPT) this.refused.clear();
    this.refused.add(key);
    this.publishTranscript({
      utterance_id: randomUUID(),
      kind: 'error',
      text: '',
      ...(speaker.id === undefined ? {} : { speaker_id: speaker.id }),
      ...(speaker.id !== undefined && speaker.name ? { speaker_name: speaker.name, speaker: speaker.name } : {}),
      error_code: 'stt_too_many_speakers',
      error_message: `This session already listens to ${this.maxSpeakers} speakers (STT_MAX_SPEAKERS_PER_SESSION); this speaker is not transcribed until one of them stops speaking.`,
    });
  }

  private onTick(): void {
    if (this.stopped) return;
    const nowMs = Date.now();
    for (const [key, stream] of this.speakers) {
      stream.tick();
      if (key !== DEFAULT_SPEAKER && stream.idle && nowMs - stream.lastArrivalMs >= this.speakerIdleMs) this.closeSpeaker(key, stream);
    }
  }

  /** A named speaker that stopped sending: its provider stream closes; its next frame opens a new one. */
  private closeSpeaker(key: string, stream: SpeakerStream): void {
    this.speakers.delete(key);
    this.refused.clear();
    this.deps.metrics.speakersActive(-1);
    this.log.info('stt speaker stream closed: idle', { speaker_id: key, idle_ms: this.speakerIdleMs });
    const closing = stream.stop().catch((error: unknown) => this.log.warn('stt speaker stream failed to close', { speaker_id: key, err: error }));
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
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

  private publishVad(fields: Omit<VadEvent, 'session_id'>): void {
    if (this.stopped) return;
    const event: VadEvent = { session_id: this.options.sessionId, ...fields };
    this.deps.bus.publishJson(mediaSubject(this.options.sessionId, 'vad'), event);
  }

  private publishTranscript(fields: Omit<TranscriptEvent, 'session_id'>): void {
    if (this.stopped) return;
    const event: TranscriptEvent = { session_id: this.options.sessionId, ...fields };
    this.deps.bus.publishJson(mediaSubject(this.options.sessionId, 'transcript'), event);
  }

  private get speakerIdleMs(): number {
    return this.options.speakerIdleMs ?? SPEAKER_DEFAULTS.idleMs;
  }

  private get maxSpeakers(): number {
    return this.options.maxSpeakers ?? SPEAKER_DEFAULTS.maxPerSession;
  }

  /** Counted every time, logged once per session and reason. */
  private drop(reason: FrameDropReason, fields: Record<string, unknown>): void {
    this.deps.metrics.frameDropped(reason);
    if (this.loggedDrops.has(reason)) return;
    this.loggedDrops.add(reason);
    this.log.warn('stt frame dropped (logged once per session)', { reason, expected_bytes: AUDIO_IN_FRAME_BYTES, ...fields });
  }
}
