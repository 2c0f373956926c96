import { AUDIO_IN_FRAME_BYTES, AUDIO_IN_SAMPLE_RATE_HZ, AUDIO_OUT_SAMPLE_RATE_HZ, bytesOf, Framer, Resampler, samplesOf } from '@voxbridge/audio';
import OpusScript from 'opusscript';

/** Discord voice: Opus over 48 kHz stereo, one packet per 20 ms (960 samples per channel). */
export const DISCORD_SAMPLE_RATE_HZ = 48_000;
export const DISCORD_CHANNELS = 2;
export const DISCORD_FRAME_SAMPLES = 960;
/** One 20 ms frame of 48 kHz stereo PCM16: 3,840 bytes. */
export const DISCORD_PCM_FRAME_BYTES = DISCORD_FRAME_SAMPLES * DISCORD_CHANNELS * 2;

/** Averages the two channels of interleaved stereo PCM16. */
export function downmix(stereo: Int16Array): Int16Array {
  const mono = new Int16Array(stereo.length >> 1);
  for (let i = 0; i < mono.length; i++) mono[i] = ((stereo[2 * i] as number) + (stereo[2 * i + 1] as number)) >> 1;
  return mono;
}

/** The same samples on both channels. */
export function upmix(mono: Int16Array): Int16Array {
  const stereo = new Int16Array(mono.length * 2);
  for (let i = 0; i < mono.length; i++) {
    const sample = mono[i] as number;
    stereo[2 * i] = sample;
    stereo[2 * i + 1] = sample;
  }
  return stereo;
}

/**
 * One speaker's Opus packets → the pipeline's `audio.in` frames (16 kHz mono PCM16, 20 ms, 640
 * bytes). Its own decoder: Opus decoding carries state from packet to packet.
 */
export class SpeakerDecoder {
  private readonly decoder = new OpusScript(DISCORD_SAMPLE_RATE_HZ, DISCORD_CHANNELS, OpusScript.Application.VOIP);
  private readonly resampler = new Resampler(DISCORD_SAMPLE_RATE_HZ, AUDIO_IN_SAMPLE_RATE_HZ);
  private readonly framer = new Framer(AUDIO_IN_FRAME_BYTES);

  /** The frames this packet completes (usually one); throws when the packet does not decode. */
  decode(opus: Buffer): Uint8Array[] {
    const pcm = this.decoder.decode(opus);
    return this.framer.push(bytesOf(this.resampler.push(downmix(samplesOf(pcm)))));
  }

  close(): void {
    this.decoder.delete();
  }
}

/** The agent's voice (`audio.out`, 24 kHz mono PCM16) → Opus packets for Discord, 20 ms each. */
export class AgentVoiceEncoder {
  private readonly encoder = new OpusScript(DISCORD_SAMPLE_RATE_HZ, DISCORD_CHANNELS, OpusScript.Application.AUDIO);
  private resampler = new Resampler(AUDIO_OUT_SAMPLE_RATE_HZ, DISCORD_SAMPLE_RATE_HZ);
  private readonly framer = new Framer(DISCORD_PCM_FRAME_BYTES);

  encode(pcm24k: Uint8Array): Buffer[] {
    const frames = this.framer.push(bytesOf(upmix(this.resampler.push(samplesOf(pcm24k)))));
    return frames.map((frame) => Buffer.from(this.encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), DISCORD_FRAME_SAMPLES)));
  }

  /** What is left of a turn that ended (the last partial frame, padded). */
  flush(): Buffer[] {
    const frames = this.framer.flush();
    this.resampler = new Resampler(AUDIO_OUT_SAMPLE_RATE_HZ, DISCORD_SAMPLE_RATE_HZ);
    return frames.map((frame) => Buffer.from(this.encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), DISCORD_FRAME_SAMPLES)));
  }

  /** A turn cut short: nothing of it is played later. */
  reset(): void {
    this.framer.reset();
    this.resampler = new Resampler(AUDIO_OUT_SAMPLE_RATE_HZ, DISCORD_SAMPLE_RATE_HZ);
  }

  close(): void {
    this.encoder.delete();
  }
}
