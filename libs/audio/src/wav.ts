/**
 * WAV (RIFF) read and write for what speech engines produce: integer PCM of 8, 16, 24 or 32 bits
 * and 32-bit float, any rate, mono or multi-channel (downmixed to mono PCM16 on decode).
 * Streamed WAVs (a data size of 0 or 0xFFFFFFFF, as HTTP TTS servers send) decode chunk by chunk.
 */

export interface WavFormat {
  /** 1: integer PCM, 3: IEEE float. */
  formatTag: 1 | 3;
  channels: number;
  sampleRateHz: number;
  bitsPerSample: number;
}

export class WavError extends Error {
  override readonly name = 'WavError';
}

const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** A PCM16 mono WAV file of `samples` at `sampleRateHz`. */
export function encodeWav(samples: Int16Array, sampleRateHz: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i] ?? 0, true);
  return out;
}

/** A whole WAV file to mono PCM16 at its own rate. */
export function decodeWav(bytes: Uint8Array): { format: WavFormat; samples: Int16Array } {
  const decoder = new WavStreamDecoder();
  const samples = decoder.push(bytes);
  if (!decoder.format) throw new WavError('not a complete WAV header');
  return { format: decoder.format, samples };
}

/**
 * Decodes a WAV as it arrives: `push` returns the mono PCM16 samples completed by each chunk.
 * Chunks may split the header, a sample or a frame anywhere.
 */
export class WavStreamDecoder {
  private buffer: Uint8Array = new Uint8Array(0);
  private header: { format: WavFormat; dataRemaining: number } | undefined;

  get format(): WavFormat | undefined {
    return this.header?.format;
  }

  push(chunk: Uint8Array): Int16Array {
    this.buffer = concat(this.buffer, chunk);
    if (!this.header) {
      const parsed = parseHeader(this.buffer);
      if (!parsed) return new Int16Array(0);
      this.header = { format: parsed.format, dataRemaining: parsed.dataBytes };
      this.buffer = this.buffer.slice(parsed.dataOffset);
    }
    const { format } = this.header;
    const frameBytes = (format.bitsPerSample / 8) * format.channels;
    const available = Math.min(this.buffer.byteLength, this.header.dataRemaining);
    const usable = available - (available % frameBytes);
    if (usable <= 0) return new Int16Array(0);
    const samples = toMonoPcm16(this.buffer.subarray(0, usable), format);
    this.buffer = this.buffer.slice(usable);
    this.header.dataRemaining -= usable;
    return samples;
  }
}

function parseHeader(bytes: Uint8Array): { format: WavFormat; dataOffset: number; dataBytes: number } | null {
  if (bytes.byteLength < 12) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new WavError('not a RIFF/WAVE stream');
  let format: WavFormat | undefined;
  for (let offset = 12; offset + 8 <= bytes.byteLength; ) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk');
      // Streaming servers cannot know the length up front: 0 or 0xFFFFFFFF means "until the end".
      const dataBytes = size === 0 || size === 0xffffffff ? Number.POSITIVE_INFINITY : size;
      return { format, dataOffset: body, dataBytes };
    }
    if (body + size > bytes.byteLength) return null;
    if (id === 'fmt ') format = readFormat(view, body, size);
    offset = body + size + (size % 2);
  }
  return null;
}

function readFormat(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw new WavError('fmt chunk too short');
  let formatTag = view.getUint16(offset, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE && size >= 26) formatTag = view.getUint16(offset + 24, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRateHz = view.getUint32(offset + 4, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  const supported = (formatTag === 1 && [8, 16, 24, 32].includes(bitsPerSample)) || (formatTag === 3 && bitsPerSample === 32);
  if (!supported || channels < 1 || sampleRateHz < 1) {
    throw new WavError(`unsupported WAV format: tag ${formatTag}, ${bitsPerSample} bits, ${channels} channels, ${sampleRateHz} Hz`);
  }
  return { formatTag: formatTag as 1 | 3, channels, sampleRateHz, bitsPerSample };
}

/** Typed arrays use the platform's byte order; WAV is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function toMonoPcm16(data: Uint8Array, format: WavFormat): Int16Array {
  if (LITTLE_ENDIAN && format.formatTag === 1 && format.bitsPerSample === 16 && format.channels === 1) {
    // Already what we want (what TTS servers send): one copy, no per-sample work.
    const out = new Int16Array(data.byteLength / 2);
    new Uint8Array(out.buffer).set(data);
    return out;
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const bytes = format.bitsPerSample / 8;
  const frames = data.byteLength / (bytes * format.channels);
  const out = new Int16Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < format.channels; channel++) {
      const at = (frame * format.channels + channel) * bytes;
      sum += readSample(view, at, format);
    }
    const mono = sum / format.channels;
    out[frame] = Math.max(-32768, Math.min(32767, Math.round(mono)));
  }
  return out;
}

/** One sample scaled to the PCM16 range. */
function readSample(view: DataView, at: number, format: WavFormat): number {
  if (format.formatTag === 3) return view.getFloat32(at, true) * 32768;
  switch (format.bitsPerSample) {
    case 8:
      return (view.getUint8(at) - 128) * 256;
    case 16:
      return view.getInt16(at, true);
    case 24:
      return ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) as number) / 256;
    default:
      return view.getInt32(at, true) / 65536;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
