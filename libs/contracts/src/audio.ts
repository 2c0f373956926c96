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
} as const;
