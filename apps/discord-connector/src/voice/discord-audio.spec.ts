import { AUDIO_IN_FRAME_BYTES, AUDIO_OUT_FRAME_BYTES, samplesOf } from '@voxbridge/audio';
import { decodeOpusPackets, dominantFrequencyHz, encodePcmToOpus, sinePcm } from '@voxbridge/testing';
import { AgentVoiceEncoder, downmix, SpeakerDecoder, upmix } from './discord-audio';

/** 24 kHz mono PCM16 of a tone, cut into audio.out frames. */
function agentFrames(frequencyHz: number, frames: number): Uint8Array[] {
  const samples = AUDIO_OUT_FRAME_BYTES / 2;
  return Array.from({ length: frames }, (_, f) => {
    const pcm = new Int16Array(samples);
    for (let i = 0; i < samples; i++) pcm[i] = Math.round(8_000 * Math.sin((2 * Math.PI * frequencyHz * (f * samples + i)) / 24_000));
    return new Uint8Array(pcm.buffer);
  });
}

/** The strongest frequency of 16 kHz mono PCM (zero crossings: enough for a pure tone). */
function toneOf16k(pcm: Int16Array): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) if (((pcm[i - 1] as number) < 0) !== ((pcm[i] as number) < 0)) crossings++;
  return (crossings / 2) * (16_000 / pcm.length);
}

describe(SpeakerDecoder.name, () => {
  it('turns a speaker’s Opus packets into 640-byte 16 kHz mono frames of the same sound', () => {
    const sut = new SpeakerDecoder();
    const packets = encodePcmToOpus(sinePcm({ frequencyHz: 500, durationMs: 1_000 }));

    const frames = packets.flatMap((packet) => sut.decode(packet));
    sut.close();

    expect(frames.every((frame) => frame.byteLength === AUDIO_IN_FRAME_BYTES)).toBe(true);
    expect(frames.length).toBeGreaterThanOrEqual(packets.length - 1);
    const tail = Buffer.concat(frames.slice(10).map((frame) => Buffer.from(frame)));
    expect(Math.abs(toneOf16k(samplesOf(tail)) - 500)).toBeLessThan(20);
  });

  it('throws on a packet that is not Opus (the caller treats it as lost)', () => {
    const sut = new SpeakerDecoder();
    expect(() => sut.decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]))).toThrow();
    sut.close();
  });
});

describe(AgentVoiceEncoder.name, () => {
  it('turns the agent’s 24 kHz frames into 20 ms Opus packets that sound the same', () => {
    const sut = new AgentVoiceEncoder();

    const packets = [...agentFrames(700, 50).flatMap((frame) => sut.encode(frame)), ...sut.flush()];
    sut.close();

    expect(packets.length).toBeGreaterThanOrEqual(49);
    expect(packets.length).toBeLessThanOrEqual(51);
    expect(Math.abs(dominantFrequencyHz(decodeOpusPackets(packets)) - 700)).toBeLessThan(30);
  });

  it('drops what is pending on reset: nothing of a cut-off turn is played later', () => {
    const sut = new AgentVoiceEncoder();
    const half = agentFrames(700, 1)[0]?.subarray(0, AUDIO_OUT_FRAME_BYTES / 2) ?? new Uint8Array(0);
    sut.encode(half);

    sut.reset();

    expect(sut.flush()).toEqual([]);
    sut.close();
  });
});

describe('stereo mixing', () => {
  it('averages the channels down and duplicates them up', () => {
    expect([...downmix(Int16Array.of(100, 300, -50, -150))]).toEqual([200, -100]);
    expect([...upmix(Int16Array.of(7, -8))]).toEqual([7, 7, -8, -8]);
  });
});
