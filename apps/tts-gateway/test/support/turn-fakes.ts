import { Writable } from 'node:stream';
import { AUDIO_OUT_SAMPLE_RATE_HZ, encodeWav } from '@voxbridge/audio';
import { FRAME_DURATION_MS, type ReplyEvent, type TurnHeardFact } from '@voxbridge/contracts';
import { AppLogger, MetricsService } from '@voxbridge/platform';
import type { TtsProvider } from '../../src/providers';
import { SentenceChunker } from '../../src/sentences';
import { SessionsMetrics } from '../../src/sessions/sessions.metrics';
import type { TurnOutput, TurnUpdate } from '../../src/sessions/turn-player';

/** Fakes and fake-time helpers for the unit tests of turns (jest fake timers on). */
export const SESSION = '11111111-1111-4111-8111-111111111111';
export const TURN = '33333333-3333-4333-8333-333333333333';
export const logger = AppLogger.create({ service: 'test', level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** Speaks 20 ms of tone per character at 24 kHz: one audio.out frame per character. */
export const tonePerChar: TtsProvider = {
  name: 'tone',
  capabilities: { streaming: true, offline: true, voiceParams: [] },
  synthesize: async function* ({ text }) {
    const samples = new Int16Array((text.length * FRAME_DURATION_MS * AUDIO_OUT_SAMPLE_RATE_HZ) / 1000);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(4_000 * Math.sin((2 * Math.PI * 200 * i) / AUDIO_OUT_SAMPLE_RATE_HZ));
    yield encodeWav(samples, AUDIO_OUT_SAMPLE_RATE_HZ);
  },
};

/** What a turn put on the bus, with the (fake) time of each frame. */
export class RecordingOutput implements TurnOutput {
  readonly frames: Array<{ turnId: string; seq: number; atMs: number }> = [];
  readonly turns: TurnUpdate[] = [];

  publishFrame(turnId: string, _bytes: Uint8Array, seq: number): void {
    this.frames.push({ turnId, seq, atMs: performance.now() });
  }

  publishTurn(event: TurnUpdate): void {
    this.turns.push(event);
  }

  ended(turnId = TURN): Extract<TurnUpdate, { state: 'done' | 'interrupted' }> | undefined {
    return this.turns.find((t): t is Extract<TurnUpdate, { state: 'done' | 'interrupted' }> => t.turn_id === turnId && (t.state === 'done' || t.state === 'interrupted'));
  }
}

/** The durable heard facts turns stored, in order. */
export class RecordingFacts {
  readonly stored: TurnHeardFact[] = [];

  readonly heard = (fact: TurnHeardFact): Promise<boolean> => {
    this.stored.push(fact);
    return Promise.resolve(true);
  };
}

export function testMetrics(): SessionsMetrics {
  return new SessionsMetrics(new MetricsService('tts-gateway', 'test'));
}

export function reply(turnId: string, kind: ReplyEvent['kind'], seq: number, text?: string): ReplyEvent {
  return { session_id: SESSION, turn_id: turnId, kind, seq, text };
}

/** Lets fake time pass in frame steps, running the promise chains in between. */
export async function advance(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= FRAME_DURATION_MS) await jest.advanceTimersByTimeAsync(Math.min(FRAME_DURATION_MS, left));
}

/** Advances until `done()` holds (in frame steps, at most `maxMs`). */
export async function advanceUntil(done: () => boolean, maxMs = 5_000): Promise<void> {
  for (let waited = 0; !done(); waited += FRAME_DURATION_MS) {
    if (waited > maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
    await jest.advanceTimersByTimeAsync(FRAME_DURATION_MS);
  }
}

export const TEXT = 'Hello there, my friend. This is the second sentence of the answer.';

export function chunksOf(text: string): string[] {
  const chunker = new SentenceChunker({ filterActions: false });
  return [...chunker.push(text), ...chunker.flush()];
}

/** With one frame per character: the chunks fully played, then the words of the next whose last character played. */
export function heardAfter(text: string, frames: number): string {
  const heard: string[] = [];
  let left = frames;
  for (const chunk of chunksOf(text)) {
    if (left <= 0) break;
    let end = 0;
    for (const match of chunk.matchAll(/\S+/g)) if ((match.index ?? 0) + match[0].length <= left) end = (match.index ?? 0) + match[0].length;
    if (end > 0) heard.push(chunk.slice(0, end));
    left -= chunk.length;
  }
  return heard.join(' ');
}
