import OpusScript from 'opusscript';

/** Discord voice audio: 48 kHz stereo, 16-bit little-endian, 20 ms frames. */
export const DISCORD_SAMPLE_RATE_HZ = 48_000;
export const DISCORD_CHANNELS = 2;
export const OPUS_FRAME_SAMPLES = 960;
/** Bytes of one 20 ms PCM frame (960 samples × 2 channels × 2 bytes). */
export const PCM_FRAME_BYTES = OPUS_FRAME_SAMPLES * DISCORD_CHANNELS * 2;

/**
 * PCM (48 kHz stereo s16le) → one Opus packet per 20 ms frame, with opusscript (the encoder
 * @discordjs/voice falls back to). The last partial frame is padded with silence.
 */
export function encodePcmToOpus(pcm: Buffer): Buffer[] {
  const encoder = new OpusScript(DISCORD_SAMPLE_RATE_HZ, DISCORD_CHANNELS, OpusScript.Application.AUDIO);
  try {
    const packets: Buffer[] = [];
    for (let offset = 0; offset < pcm.length; offset += PCM_FRAME_BYTES) {
      let frame = pcm.subarray(offset, offset + PCM_FRAME_BYTES);
      if (frame.length < PCM_FRAME_BYTES) frame = Buffer.concat([frame, Buffer.alloc(PCM_FRAME_BYTES - frame.length)]);
      packets.push(Buffer.from(encoder.encode(frame, OPUS_FRAME_SAMPLES)));
    }
    return packets;
  } finally {
    encoder.delete();
  }
}

/** Opus packets → PCM 48 kHz stereo s16le, decoded in order by one decoder (as a listener would). */
export function decodeOpusPackets(packets: readonly Buffer[]): Buffer {
  const decoder = new OpusScript(DISCORD_SAMPLE_RATE_HZ, DISCORD_CHANNELS, OpusScript.Application.AUDIO);
  try {
    return Buffer.concat(packets.map((packet) => Buffer.from(decoder.decode(packet))));
  } finally {
    decoder.delete();
  }
}

/** A sine tone as 48 kHz stereo s16le PCM: test speech that survives Opus (check it with `dominantFrequencyHz`). */
export function sinePcm(options: { frequencyHz: number; durationMs: number; amplitude?: number }): Buffer {
  const samples = Math.round((DISCORD_SAMPLE_RATE_HZ * options.durationMs) / 1000);
  const amplitude = Math.round((options.amplitude ?? 0.4) * 32767);
  const pcm = Buffer.alloc(samples * DISCORD_CHANNELS * 2);
  for (let i = 0; i < samples; i++) {
    const value = Math.round(amplitude * Math.sin((2 * Math.PI * options.frequencyHz * i) / DISCORD_SAMPLE_RATE_HZ));
    pcm.writeInt16LE(value, i * 4);
    pcm.writeInt16LE(value, i * 4 + 2);
  }
  return pcm;
}

/** Root mean square of the left channel of 48 kHz stereo s16le PCM, 0..1. */
export function pcmRms(pcm: Buffer): number {
  const frames = Math.floor(pcm.length / 4);
  if (frames === 0) return 0;
  let sum = 0;
  for (let i = 0; i < frames; i++) {
    const sample = pcm.readInt16LE(i * 4) / 32768;
    sum += sample * sample;
  }
  return Math.sqrt(sum / frames);
}

/**
 * The frequency (Hz) whose zero crossings best explain the left channel of 48 kHz stereo PCM:
 * enough to tell which tone a fake user said, after the Opus round trip.
 */
export function dominantFrequencyHz(pcm: Buffer): number {
  const frames = Math.floor(pcm.length / 4);
  let crossings = 0;
  let previous = 0;
  for (let i = 0; i < frames; i++) {
    const sample = pcm.readInt16LE(i * 4);
    if (i > 0 && ((previous < 0 && sample >= 0) || (previous >= 0 && sample < 0))) crossings += 1;
    previous = sample;
  }
  return frames === 0 ? 0 : (crossings / 2) * (DISCORD_SAMPLE_RATE_HZ / frames);
}
