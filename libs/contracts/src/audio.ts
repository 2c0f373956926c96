/** Audio frames on the media plane (ARCHITECTURE §4). PCM16 little-endian mono throughout. */
export const FRAME_DURATION_MS = 20;
export const BYTES_PER_SAMPLE = 2;

/** `voice.v1.<sid>.audio.in`: 16 kHz, 20 ms, 320 samples, 640 bytes. */
export const AUDIO_IN_SAMPLE_RATE_HZ = 16_000;
/** `voice.v1.<sid>.audio.out`: 24 kHz, 20 ms, 480 samples, 960 bytes. */
export const AUDIO_OUT_SAMPLE_RATE_HZ = 24_000;

export function frameSamples(sampleRateHz: number, durationMs = FRAME_DURATION_MS): number {
  return (sampleRateHz * durationMs) / 1000;
}

export function frameBytes(sampleRateHz: number, durationMs = FRAME_DURATION_MS): number {
  return frameSamples(sampleRateHz, durationMs) * BYTES_PER_SAMPLE;
}

export const AUDIO_IN_FRAME_BYTES = frameBytes(AUDIO_IN_SAMPLE_RATE_HZ);
export const AUDIO_OUT_FRAME_BYTES = frameBytes(AUDIO_OUT_SAMPLE_RATE_HZ);

/** NATS header names carried by media-plane messages. */
export const MediaHeaders = {
  sequence: 'Vb-Seq',
  timestampMs: 'Vb-Ts-Ms',
  turnId: 'Vb-Turn-Id',
  /**
   * `audio.in` of a session with several people (Discord): whose voice this is. Each speaker is its
   * own stream — its own `Vb-Seq` from 0, its own voice detection and end of turn in stt-gateway.
   * Absent: the session's one speaker (the browser).
   */
  speakerId: 'Vb-Speaker-Id',
  /** The speaker's display name, percent-encoded (encodeURIComponent), at most 100 characters decoded. */
  speakerName: 'Vb-Speaker-Name',
} as const;

/** A speaker id travels in a header: 1–64 characters, letters, digits, `_`, `-`, `.`, `:`. */
export const SPEAKER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const SPEAKER_NAME_MAX_CHARS = 100;
