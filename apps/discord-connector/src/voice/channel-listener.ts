import { EndBehaviorType, type AudioReceiveStream, type VoiceReceiver } from '@discordjs/voice';
import type { FrameMeta } from '@voxbridge/bus';
import { FRAME_DURATION_MS } from '@voxbridge/contracts';
import type { AppLogger } from '@voxbridge/platform';
import type { VoiceCounter } from '../bots/bots.metrics';
import { SpeakerDecoder } from './discord-audio';
import { DEFAULT_SPEAKER_CLOCK, SpeakerClock, type SpeakerClockOptions } from './speaker-clock';

/** Immediate re-subscriptions of one speaker allowed per window; beyond that the next speech re-subscribes. */
const MAX_RESUBSCRIBES = 5;
const RESUBSCRIBE_WINDOW_MS = 10_000;

export interface ChannelListenerDeps {
  receiver: VoiceReceiver;
  /** The speaker's display name in the guild (falls back to the id). */
  nameOf(userId: string): string;
  /** Users never listened to (the bot itself, other bots). */
  ignore(userId: string): boolean;
  publish(payload: Uint8Array, meta: FrameMeta): void;
  count(what: VoiceCounter, by?: number): void;
  logger: AppLogger;
  /** A speaker's stream failed (before it is subscribed again): e.g. re-initialise a DAVE session the library gave up on. */
  streamFailed?(userId: string, error: Error): void;
  clock?: SpeakerClockOptions;
  now?: () => number;
}

interface Speaker {
  userId: string;
  name: string;
  stream: AudioReceiveStream | undefined;
  decoder: SpeakerDecoder;
  clock: SpeakerClock;
  resubscribes: number[];
}

/**
 * Hears everyone in a voice channel, each person on their own: `receiver.subscribe(userId)` per
 * speaker (SSRC → user is the receiver's), Opus decoded per speaker, 16 kHz mono frames on the
 * speaker's own 20 ms beat (missing packets are silence), published with the speaker's id and name.
 *
 * @discordjs/voice destroys a speaker's stream for good after a packet it cannot decrypt (and after
 * repeated DAVE failures); the listener subscribes again at once, a bounded number of times per
 * window, and in any case when that person speaks again or a DAVE transition re-arms everyone
 * (`rearm`). `streamFailed` lets the owner repair the cause first (see dave-recovery.ts).
 */
export class ChannelListener {
  private readonly speakers = new Map<string, Speaker>();
  private readonly tick: NodeJS.Timeout;
  private readonly now: () => number;
  private closed = false;
  private lastFillAtMs = Number.POSITIVE_INFINITY;
  private readonly onStart = (userId: string) => this.listen(userId);

  constructor(private readonly deps: ChannelListenerDeps) {
    this.now = deps.now ?? Date.now;
    deps.receiver.speaking.on('start', this.onStart);
    this.tick = setInterval(() => this.fill(), FRAME_DURATION_MS);
    this.tick.unref();
  }

  /** The people heard whose audio is flowing (or may resume): their Discord user ids. */
  current(): string[] {
    return [...this.speakers.values()].filter((speaker) => speaker.stream !== undefined || !speaker.clock.resting).map((speaker) => speaker.userId);
  }

  /** A person left the channel: stop listening to them. */
  forget(userId: string): void {
    const speaker = this.speakers.get(userId);
    if (!speaker) return;
    this.speakers.delete(userId);
    this.unsubscribe(speaker);
    speaker.decoder.close();
  }

  /**
   * The keys changed under everyone (a DAVE transition, transition id 0 included): every speaker
   * heard so far whose stream is gone is subscribed again now, with a fresh retry budget. Streams
   * still open carry on (the receiver decrypts with the current keys). Returns how many were re-armed.
   */
  rearm(): number {
    if (this.closed) return 0;
    let rearmed = 0;
    for (const speaker of this.speakers.values()) {
      speaker.resubscribes = [];
      if (speaker.stream) continue;
      rearmed++;
      this.deps.count('resubscribes');
      this.subscribe(speaker);
    }
    return rearmed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    this.deps.receiver.speaking.off('start', this.onStart);
    for (const userId of [...this.speakers.keys()]) this.forget(userId);
  }

  private listen(userId: string): void {
    if (this.closed || this.deps.ignore(userId)) return;
    let speaker = this.speakers.get(userId);
    if (!speaker) {
      speaker = { userId, name: this.deps.nameOf(userId), stream: undefined, decoder: new SpeakerDecoder(), clock: new SpeakerClock(this.deps.clock ?? DEFAULT_SPEAKER_CLOCK), resubscribes: [] };
      this.speakers.set(userId, speaker);
    }
    if (speaker.stream) return;
    this.subscribe(speaker);
  }

  private subscribe(speaker: Speaker): void {
    const stream = this.deps.receiver.subscribe(speaker.userId, { end: { behavior: EndBehaviorType.Manual } });
    speaker.stream = stream;
    speaker.name = this.deps.nameOf(speaker.userId);
    stream.on('data', (opus: Buffer) => this.packet(speaker, opus));
    stream.once('error', (error: Error) => {
      this.deps.count('decryption_failures');
      this.deps.logger.debug('discord receive stream failed', { speaker_id: speaker.userId, err: error });
      try {
        this.deps.streamFailed?.(speaker.userId, error);
      } catch (hookError) {
        this.deps.logger.warn('discord receive stream recovery failed', { speaker_id: speaker.userId, err: hookError });
      }
    });
    stream.once('close', () => {
      if (speaker.stream !== stream) return;
      speaker.stream = undefined;
      this.resubscribe(speaker);
    });
  }

  /** A stream ended that we did not end: listen again now, unless it keeps failing. */
  private resubscribe(speaker: Speaker): void {
    if (this.closed || this.speakers.get(speaker.userId) !== speaker) return;
    const nowMs = this.now();
    speaker.resubscribes = speaker.resubscribes.filter((atMs) => nowMs - atMs < RESUBSCRIBE_WINDOW_MS);
    if (speaker.resubscribes.length >= MAX_RESUBSCRIBES) {
      this.deps.logger.warn('discord receive stream keeps failing; waiting for the speaker to speak again', { speaker_id: speaker.userId });
      return;
    }
    speaker.resubscribes.push(nowMs);
    this.deps.count('resubscribes');
    this.deps.logger.info('discord receive stream ended; subscribing again', { speaker_id: speaker.userId, attempt: speaker.resubscribes.length });
    this.subscribe(speaker);
  }

  private unsubscribe(speaker: Speaker): void {
    const stream = speaker.stream;
    speaker.stream = undefined;
    stream?.destroy();
  }

  private packet(speaker: Speaker, opus: Buffer): void {
    this.deps.count('packets_in');
    let pcm: Uint8Array[];
    try {
      pcm = speaker.decoder.decode(opus);
    } catch (error) {
      // An undecodable packet is a lost one: the clock fills its slot with silence.
      this.deps.logger.debug('discord opus packet not decoded', { speaker_id: speaker.userId, err: error });
      return;
    }
    const { frames } = speaker.clock.packet(pcm, this.now());
    for (const frame of frames) this.send(speaker, frame.payload, frame.seq, frame.timestampMs);
  }

  private fill(): void {
    const nowMs = this.now();
    // This process stalled (a long GC, a busy CPU): packets that arrived meanwhile wait in the socket
    // behind this timer. Let them in before owing anyone silence.
    const stalled = nowMs - this.lastFillAtMs > FRAME_DURATION_MS + (this.deps.clock ?? DEFAULT_SPEAKER_CLOCK).jitterMs;
    this.lastFillAtMs = nowMs;
    if (stalled) return;
    for (const speaker of this.speakers.values()) {
      const { frames, gapStarted } = speaker.clock.tick(nowMs);
      if (gapStarted) this.deps.count('gaps');
      for (const frame of frames) this.send(speaker, frame.payload, frame.seq, frame.timestampMs);
    }
  }

  private send(speaker: Speaker, payload: Uint8Array, seq: number, timestampMs: number): void {
    try {
      this.deps.publish(payload, { seq, timestampMs, speakerId: speaker.userId, speakerName: speaker.name });
    } catch (error) {
      this.deps.logger.warn('discord audio frame not published', { speaker_id: speaker.userId, err: error });
    }
  }
}
