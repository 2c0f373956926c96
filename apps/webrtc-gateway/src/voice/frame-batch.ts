import type { FrameMeta } from '@voxbridge/bus';
import type { Subject } from '@voxbridge/contracts';

export type PublishFrame = (subject: Subject, payload: Uint8Array, meta: FrameMeta) => void;

/** Defers `run` (the batch's flush); the default waits `delayMs` on a timer, or the rest of this loop turn for 0. */
export type Defer = (run: () => void) => void;

export function deferBy(delayMs: number): Defer {
  if (delayMs <= 0) return (run) => void setImmediate(run);
  return (run) => void setTimeout(run, delayMs).unref();
}

/** Frames waiting in the batch beyond which it is published at once (about 32 KB: the NATS client's own write size). */
const MAX_PENDING = 48;

/**
 * Microphone frames of every socket, published together: the frames that arrive from many
 * browsers within a few ms leave in one NATS write instead of one syscall each (with 100 sessions
 * 5,000 frames a second arrive, each its own `writeBuffer` otherwise). A frame waits at most
 * the batch's delay (`deferBy(ms)`), or less when the batch fills. Frames keep their order; one
 * that fails to publish is reported to `onError`, the others still go.
 */
export class FrameBatch {
  private pending: Array<{ subject: Subject; payload: Uint8Array; meta: FrameMeta }> = [];
  private scheduled = false;
  /** Bumped by every flush, so a deferred flush whose batch already left does nothing. */
  private generation = 0;

  constructor(
    private readonly publishFrame: PublishFrame,
    private readonly onError: (error: unknown) => void,
    private readonly defer: Defer = deferBy(0),
  ) {}

  /** Frames waiting. */
  get size(): number {
    return this.pending.length;
  }

  publish(subject: Subject, payload: Uint8Array, meta: FrameMeta): void {
    this.pending.push({ subject, payload, meta });
    if (this.pending.length >= MAX_PENDING) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    const generation = this.generation;
    this.defer(() => {
      if (generation === this.generation) this.flush();
    });
  }

  /** Publishes everything waiting now. */
  flush(): void {
    this.scheduled = false;
    this.generation += 1;
    const frames = this.pending;
    this.pending = [];
    for (const { subject, payload, meta } of frames) {
      try {
        this.publishFrame(subject, payload, meta);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
