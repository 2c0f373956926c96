import { MediaHeaders, SPEAKER_ID_PATTERN, SPEAKER_NAME_MAX_CHARS, type Subject } from '@voxbridge/contracts';
import { headers, type MsgHdrs } from 'nats';

/** What travels beside a media payload, in NATS headers. */
export interface FrameMeta {
  /** Sequence number of the frame within its stream (non-negative integer). */
  seq: number;
  /** Capture (or synthesis) time in ms since the epoch. */
  timestampMs: number;
  turnId?: string;
  /** `audio.in` with several people: whose voice (MediaHeaders.speakerId); each speaker's `seq` counts on its own. */
  speakerId?: string;
  /** The speaker's display name (sent only with `speakerId`). */
  speakerName?: string;
}

/** One media-plane message: raw bytes plus the headers decoded. */
export interface Frame extends FrameMeta {
  /** Subject without the fleet namespace, as built by libs/contracts. */
  subject: Subject;
  payload: Uint8Array;
}

export type DecodedMeta = { ok: true; meta: FrameMeta } | { ok: false; problem: string };

const INTEGER = /^(0|[1-9][0-9]*)$/;
/** Header values travel on one protocol line: non-empty, no control characters. */
function isHeaderSafe(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

function assertCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
  }
}

/** Headers for a frame; throws on a meta that the receiving side would drop. */
export function encodeFrameHeaders(meta: FrameMeta): MsgHdrs {
  assertCount(meta.seq, 'seq');
  assertCount(meta.timestampMs, 'timestampMs');
  const h = headers();
  h.set(MediaHeaders.sequence, String(meta.seq));
  h.set(MediaHeaders.timestampMs, String(meta.timestampMs));
  if (meta.turnId !== undefined) {
    if (!isHeaderSafe(meta.turnId)) throw new RangeError('turnId must be a non-empty header-safe string');
    h.set(MediaHeaders.turnId, meta.turnId);
  }
  if (meta.speakerId !== undefined) {
    if (!SPEAKER_ID_PATTERN.test(meta.speakerId)) throw new RangeError('speakerId must be 1–64 letters, digits, _ - . or :');
    h.set(MediaHeaders.speakerId, meta.speakerId);
    if (meta.speakerName !== undefined && meta.speakerName !== '') {
      h.set(MediaHeaders.speakerName, encodeURIComponent(meta.speakerName.slice(0, SPEAKER_NAME_MAX_CHARS)));
    }
  }
  return h;
}

function readCount(h: MsgHdrs, name: string): number | string {
  if (!h.has(name)) return `missing header ${name}`;
  const raw = h.get(name);
  const value = Number(raw);
  if (!INTEGER.test(raw) || !Number.isSafeInteger(value)) return `invalid header ${name}`;
  return value;
}

/** Reads seq / timestamp / turn id; reports (never throws) what is missing or invalid. */
export function decodeFrameHeaders(h: MsgHdrs | undefined): DecodedMeta {
  if (!h) return { ok: false, problem: 'message has no headers' };
  const seq = readCount(h, MediaHeaders.sequence);
  if (typeof seq === 'string') return { ok: false, problem: seq };
  const timestampMs = readCount(h, MediaHeaders.timestampMs);
  if (typeof timestampMs === 'string') return { ok: false, problem: timestampMs };
  const meta: FrameMeta = { seq, timestampMs };
  const turnId = h.has(MediaHeaders.turnId) ? h.get(MediaHeaders.turnId) : '';
  if (turnId !== '') meta.turnId = turnId;
  if (h.has(MediaHeaders.speakerId)) {
    const speakerId = h.get(MediaHeaders.speakerId);
    if (!SPEAKER_ID_PATTERN.test(speakerId)) return { ok: false, problem: `invalid header ${MediaHeaders.speakerId}` };
    meta.speakerId = speakerId;
    const name = h.has(MediaHeaders.speakerName) ? decodeName(h.get(MediaHeaders.speakerName)) : undefined;
    if (name === null) return { ok: false, problem: `invalid header ${MediaHeaders.speakerName}` };
    if (name) meta.speakerName = name;
  }
  return { ok: true, meta };
}

/** A percent-encoded display name; null when it is not valid percent-encoding or too long. */
function decodeName(raw: string): string | null | undefined {
  if (raw === '') return undefined;
  try {
    const name = decodeURIComponent(raw);
    return name.length <= SPEAKER_NAME_MAX_CHARS ? name : null;
  } catch {
    return null;
  }
}
