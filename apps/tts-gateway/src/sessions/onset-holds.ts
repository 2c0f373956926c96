/** The speaker of events without `speaker_id`: the one person of a single-speaker session. */
export const DEFAULT_SPEAKER = '';

/**
 * At most this many speakers' onsets held at once per session: well above stt-gateway's
 * `STT_MAX_SPEAKERS_PER_SESSION` (16 by default), so only a runaway peer ever reaches it.
 */
export const MAX_HELD_SPEAKERS = 64;

/** Starts a one-shot timer; the function returned cancels it. */
export type HoldTimer = (onExpired: () => void, ms: number) => () => void;

export const realHoldTimer: HoldTimer = (onExpired, ms) => {
  const timer = setTimeout(onExpired, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** One speaker's `voice_onset` not yet resolved. */
export interface PendingOnset {
  speakerId: string;
  utteranceId: string;
}

/** What resolving an onset did: `ignored` (not the speaker's pending onset), `holding` (others still pending), `released` (none left). */
export type HoldRelease = 'ignored' | 'holding' | 'released';

export interface OnsetHoldsOptions {
  /** How long one onset holds when neither its dismissal nor its confirmation comes. */
  holdMaxMs: number;
  /** A speaker's onset that went unresolved for `holdMaxMs`; `released`: it was the last one pending. */
  onTimedOut: (onset: PendingOnset, released: boolean) => void;
  maxSpeakers?: number;
  timer?: HoldTimer;
}

/**
 * The pending `voice_onset`s of one session, one per speaker. Playback is held while any is
 * pending. A speaker's newer onset replaces its older one (whose dismissal then changes nothing);
 * each onset has its own safety timeout. Beyond `maxSpeakers`, the oldest pending onset is dropped.
 */
export class OnsetHolds {
  /** Insertion-ordered: the first entry is the oldest pending onset. */
  private readonly pending = new Map<string, { utteranceId: string; cancelTimer: () => void }>();

  constructor(private readonly options: OnsetHoldsOptions) {}

  get isHolding(): boolean {
    return this.pending.size > 0;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Holds for this speaker's onset; returns the onset dropped to stay within `maxSpeakers`, if any. */
  onset(speakerId: string, utteranceId: string): PendingOnset | undefined {
    this.remove(speakerId);
    let dropped: PendingOnset | undefined;
    const [oldest] = this.pending.keys();
    if (oldest !== undefined && this.pending.size >= this.maxSpeakers) dropped = this.remove(oldest);
    const onsetOf = { speakerId, utteranceId };
    const cancelTimer = this.timer(() => {
      if (this.pending.get(speakerId)?.utteranceId !== utteranceId) return;
      this.pending.delete(speakerId);
      this.options.onTimedOut(onsetOf, this.pending.size === 0);
    }, this.options.holdMaxMs);
    this.pending.set(speakerId, { utteranceId, cancelTimer });
    return dropped;
  }

  /** `voice_dismissed` of this speaker's pending utterance (an older utterance's changes nothing). */
  dismiss(speakerId: string, utteranceId: string): HoldRelease {
    if (this.pending.get(speakerId)?.utteranceId !== utteranceId) return 'ignored';
    this.remove(speakerId);
    return this.pending.size === 0 ? 'released' : 'holding';
  }

  /** `speech_started` of this speaker (whatever the utterance, even one whose onset was missed): its onset is resolved. */
  confirm(speakerId: string): void {
    this.remove(speakerId);
  }

  /** Forgets every pending onset (the session ends). */
  clear(): void {
    for (const speakerId of [...this.pending.keys()]) this.remove(speakerId);
  }

  private remove(speakerId: string): PendingOnset | undefined {
    const entry = this.pending.get(speakerId);
    if (!entry) return undefined;
    entry.cancelTimer();
    this.pending.delete(speakerId);
    return { speakerId, utteranceId: entry.utteranceId };
  }

  private get maxSpeakers(): number {
    return this.options.maxSpeakers ?? MAX_HELD_SPEAKERS;
  }

  private get timer(): HoldTimer {
    return this.options.timer ?? realHoldTimer;
  }
}
