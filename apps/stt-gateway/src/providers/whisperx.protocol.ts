/**
 * The WhisperX streaming server's WebSocket protocol, as VoxBridge 2.0 used it (inventory §3.1).
 * Client → server: text `start` / `finalize` / `close` messages and binary audio; server → client:
 * `partial`, `final` and `error`. For `audio_format: "pcm"` the server expects 16-bit LE
 * **48 kHz stereo** (the browser path of 2.0), so `audio.in` frames are converted before sending.
 */
export const WHISPERX_PCM_SAMPLE_RATE_HZ = 48_000;
export const WHISPERX_PCM_CHANNELS = 2;

export interface WhisperXStartMessage {
  type: 'start';
  userId: string;
  /** Always sent: a `start` without it makes the server fall back to "en" (2.0 bug #17). */
  language: string;
  audio_format: 'pcm';
}

export type WhisperXClientMessage = WhisperXStartMessage | { type: 'finalize' } | { type: 'close' };

export type WhisperXServerMessage =
  | { type: 'partial'; text: string; userId?: string }
  | { type: 'final'; text: string; userId?: string }
  | { type: 'error'; error: string; userId?: string };

/** A server message, or a description of why it is not one. */
export function parseServerMessage(raw: string): WhisperXServerMessage | { invalid: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { invalid: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || !('type' in value)) return { invalid: 'no "type"' };
  const message = value as Record<string, unknown>;
  const userId = typeof message['userId'] === 'string' ? message['userId'] : undefined;
  switch (message['type']) {
    case 'partial':
    case 'final':
      return typeof message['text'] === 'string' ? { type: message['type'], text: message['text'], userId } : { invalid: `${message['type']} without text` };
    case 'error':
      return { type: 'error', error: typeof message['error'] === 'string' ? message['error'] : 'unspecified error', userId };
    default:
      return { invalid: `unknown type ${JSON.stringify(message['type'])}` };
  }
}
