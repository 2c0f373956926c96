import { randomBytes } from 'node:crypto';
import { decodeOpusPackets, dominantFrequencyHz, encodePcmToOpus, PCM_FRAME_BYTES, sinePcm } from './opus';
import { corruptRtp, decryptRtp, encryptRtp, ipDiscoveryRequestSsrc, ipDiscoveryResponse, isRtpPacket, OPUS_SILENCE_FRAME } from './rtp';

describe('fake Discord RTP', () => {
  const secretKey = randomBytes(32);

  it('round-trips a packet with the header extension Discord clients add, stripping the extension', () => {
    const packet = encryptRtp({ sequence: 65_535, timestamp: 4_000_000_000, ssrc: 1234, payload: OPUS_SILENCE_FRAME }, { secretKey, nonce: 7, extension: Buffer.from([0x10, 0, 0, 0]) });

    const sut = decryptRtp(packet, secretKey);

    expect(sut).toMatchObject({ sequence: 65_535, timestamp: 4_000_000_000, ssrc: 1234, nonce: 7 });
    expect(sut.payload).toEqual(OPUS_SILENCE_FRAME);
    expect(packet[0]).toBe(0x90);
    expect(isRtpPacket(packet)).toBe(true);
  });

  it('a corrupted packet, or the wrong key, fails authentication', () => {
    const packet = encryptRtp({ sequence: 1, timestamp: 2, ssrc: 3, payload: Buffer.from('opus') }, { secretKey, nonce: 1 });

    expect(() => decryptRtp(corruptRtp(packet), secretKey)).toThrow();
    expect(() => decryptRtp(packet, randomBytes(32))).toThrow();
    expect(decryptRtp(packet, secretKey).payload.toString()).toBe('opus');
  });

  it('IP discovery: reads the request SSRC and writes address and port where @discordjs/voice reads them', () => {
    const request = Buffer.alloc(74);
    request.writeUInt16BE(1, 0);
    request.writeUInt16BE(70, 2);
    request.writeUInt32BE(99, 4);

    const response = ipDiscoveryResponse(ipDiscoveryRequestSsrc(request) ?? -1, '127.0.0.1', 50_000);

    expect(response.readUInt16BE(0)).toBe(2);
    expect(response.readUInt32BE(4)).toBe(99);
    expect(response.subarray(8, response.indexOf(0, 8)).toString()).toBe('127.0.0.1');
    expect(response.readUInt16BE(response.length - 2)).toBe(50_000);
    expect(ipDiscoveryRequestSsrc(Buffer.alloc(8))).toBeUndefined();
  });
});

describe('fake Discord Opus helpers', () => {
  it('encodes 48 kHz stereo PCM to one packet per 20 ms (last frame padded) and decodes it back to the tone', () => {
    const pcm = sinePcm({ frequencyHz: 440, durationMs: 510 });

    const sut = encodePcmToOpus(pcm);

    expect(sut).toHaveLength(26);
    const decoded = decodeOpusPackets(sut);
    expect(decoded.length).toBe(26 * PCM_FRAME_BYTES);
    expect(Math.abs(dominantFrequencyHz(decoded.subarray(PCM_FRAME_BYTES * 2, PCM_FRAME_BYTES * 24)) - 440)).toBeLessThan(15);
  });
});
