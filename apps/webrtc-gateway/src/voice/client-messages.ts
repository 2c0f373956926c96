import { AUDIO_IN_FRAME_BYTES, AUDIO_IN_SAMPLE_RATE_HZ, FRAME_DURATION_MS, VOICE_CLIENT_ACTIONS, type VoiceClientAction } from '@voxbridge/contracts';

export type ParsedClientMessage = { ok: true; action: VoiceClientAction } | { ok: false; message: string };

function refuse(message: string): ParsedClientMessage {
  return { ok: false, message };
}

/** Parses a text message of the voice socket: `{"type": "mute" | "unmute" | "interrupt" | "end"}`. */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('text messages must be JSON: {"type": "mute" | "unmute" | "interrupt" | "end"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('message must be a JSON object');
  const { type, ...rest } = value as Record<string, unknown>;
  if (typeof type !== 'string' || !(VOICE_CLIENT_ACTIONS as readonly string[]).includes(type)) {
    return refuse(`type must be one of ${VOICE_CLIENT_ACTIONS.join(', ')}`);
  }
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return refuse(`unknown fields: ${unknown.join(', ')}`);
  return { ok: true, action: type as VoiceClientAction };
}

export function isAudioInFrame(sizeBytes: number): boolean {
  return sizeBytes === AUDIO_IN_FRAME_BYTES;
}

/** The `service_error` message for a binary message of the wrong size. */
export function wrongFrameSizeMessage(sizeBytes: number): string {
  return (
    `audio frames must be ${AUDIO_IN_FRAME_BYTES} bytes (${FRAME_DURATION_MS} ms of PCM16 mono at ${AUDIO_IN_SAMPLE_RATE_HZ} Hz); ` +
    `got ${sizeBytes} bytes, dropped`
  );
}
