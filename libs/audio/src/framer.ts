/**
 * Cuts a stream of arbitrary byte chunks into fixed-size frames (e.g. 640-byte 20 ms frames at
 * 16 kHz), keeping the remainder for the next chunk. `flush` pads the last partial frame with
 * silence so no audio is lost at the end of a stream.
 */
export class Framer {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(readonly frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0 || frameBytes % 2 !== 0) {
      throw new RangeError(`frameBytes must be a positive even integer, got ${frameBytes}`);
    }
  }

  /** Bytes held back because they do not fill a frame yet. */
  get pendingBytes(): number {
    return this.pending.byteLength;
  }

  /** Adds a chunk and returns every complete frame it finishes (each a fresh copy). */
  push(chunk: Uint8Array): Uint8Array[] {
    const data = this.pending.byteLength === 0 ? chunk : concat(this.pending, chunk);
    const frames: Uint8Array[] = [];
    let offset = 0;
    for (; offset + this.frameBytes <= data.byteLength; offset += this.frameBytes) {
      frames.push(data.slice(offset, offset + this.frameBytes));
    }
    this.pending = data.slice(offset);
    return frames;
  }

  /** The last partial frame padded with silence, or nothing when no bytes are pending. */
  flush(): Uint8Array[] {
    if (this.pending.byteLength === 0) return [];
    const frame = new Uint8Array(this.frameBytes);
    frame.set(this.pending);
    this.pending = new Uint8Array(0);
    return [frame];
  }

  /** Drops pending bytes (on barge-in: what was not played is not played later). */
  reset(): void {
    this.pending = new Uint8Array(0);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
