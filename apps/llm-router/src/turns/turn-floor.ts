import type { VadKind } from '@voxbridge/contracts';

/** Frames without a speaker id: the session's one default speaker. */
export const DEFAULT_SPEAKER_KEY = '';

export interface TurnFloorOptions {
  /** The longest an utterance waits for another speaker to finish before it is answered anyway. */
  maxWaitMs: number;
  /** Utterances waiting at most; one more drops the oldest (returned by `enqueue`). */
  maxQueued: number;
}

/** What `take` decided for the utterance at the head of the queue. */
export type FloorDecision<T> =
  | { kind: 'empty' }
  /** Someone else is mid-utterance: ask again in `waitMs` at the latest (or when the vad changes). */
  | { kind: 'wait'; waitMs: number }
  /** Answer it now; `held`: it waited for another speaker; `timedOut`: they were still mid-utterance after `maxWaitMs`. */
  | { kind: 'ready'; item: T; held: boolean; timedOut: boolean; heldMs: number };

interface Waiting<T> {
  item: T;
  speakerKey: string;
  /** When it first found another speaker mid-utterance. */
  heldSinceMs?: number;
}

/**
 * The floor of a conversation with several speakers: who is mid-utterance (from their `vad`
 * events), and the utterances waiting to be answered, oldest first. An utterance is answered when
 * nobody else is mid-utterance, or after `maxWaitMs` of waiting for that. Whether the agent itself
 * still holds the floor (a turn being answered or spoken) is the caller's to decide. Pure: time
 * is passed in.
 */
export class TurnFloor<T> {
  /** Speaker key → the utterance it is in (voice_onset or speech_started until dismissed or stopped). */
  private readonly speaking = new Map<string, string>();
  private readonly waiting: Waiting<T>[] = [];

  constructor(private readonly options: TurnFloorOptions) {}

  get length(): number {
    return this.waiting.length;
  }

  /** The speaker of the utterance next in line. */
  get headSpeakerKey(): string | undefined {
    return this.waiting[0]?.speakerKey;
  }

  /** Follows one speaker's voice activity; returns whether who is mid-utterance changed. */
  onVad(kind: VadKind, speakerKey: string, utteranceId: string): boolean {
    switch (kind) {
      case 'voice_onset':
      case 'speech_started': {
        const changed = this.speaking.get(speakerKey) !== utteranceId;
        this.speaking.set(speakerKey, utteranceId);
        return changed;
      }
      case 'voice_dismissed':
      case 'speech_stopped':
        // An older utterance's end (a newer one began since) changes nothing.
        if (this.speaking.get(speakerKey) !== utteranceId) return false;
        this.speaking.delete(speakerKey);
        return true;
    }
  }

  /** Someone other than `speakerKey` is mid-utterance. */
  othersSpeaking(speakerKey: string): boolean {
    for (const key of this.speaking.keys()) if (key !== speakerKey) return true;
    return false;
  }

  /** Queues an utterance behind the others; returns the oldest one dropped when the queue is full. */
  enqueue(item: T, speakerKey: string): T | undefined {
    this.waiting.push({ item, speakerKey });
    return this.waiting.length > this.options.maxQueued ? this.waiting.shift()?.item : undefined;
  }

  /** Takes the next utterance if the floor is free for it (the agent's own turn is the caller's check). */
  take(nowMs: number): FloorDecision<T> {
    const head = this.waiting[0];
    if (!head) return { kind: 'empty' };
    let timedOut = false;
    if (this.othersSpeaking(head.speakerKey)) {
      head.heldSinceMs ??= nowMs;
      const waitMs = head.heldSinceMs + this.options.maxWaitMs - nowMs;
      if (waitMs > 0) return { kind: 'wait', waitMs };
      timedOut = true;
    }
    this.waiting.shift();
    const held = head.heldSinceMs !== undefined;
    return { kind: 'ready', item: head.item, held, timedOut, heldMs: held ? nowMs - (head.heldSinceMs ?? nowMs) : 0 };
  }

  /** Everything waiting, oldest first, and forgets it. */
  drain(): T[] {
    return this.waiting.splice(0).map((w) => w.item);
  }
}
