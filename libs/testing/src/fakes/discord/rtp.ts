import { createCipheriv, createDecipheriv } from 'node:crypto';

/** The RTP payload type Discord uses for Opus (what @discordjs/voice writes and accepts). */
export const RTP_OPUS_PAYLOAD_TYPE = 120;
/** The only transport encryption this fake implements (Node's native AES-256-GCM). */
export const FAKE_DISCORD_ENCRYPTION_MODE = 'aead_aes256_gcm_rtpsize';
/** The Opus silence frame @discordjs/voice sends when playback pauses or ends. */
export const OPUS_SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);

const AUTH_TAG_BYTES = 16;
const NONCE_SUFFIX_BYTES = 4;
const HEADER_BYTES = 12;
/** The one-byte header extension profile Discord clients use (RFC 8285). */
const EXTENSION_PROFILE = 0xbede;

export interface RtpFields {
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** The (Opus) payload. */
  payload: Buffer;
}

export interface EncryptRtpOptions {
  /** The 32-byte key from SESSION_DESCRIPTION. */
  secretKey: Uint8Array;
  /** The sender's packet counter: the last 4 bytes of the packet and the nonce's first 4. */
  nonce: number;
  /**
   * Header extension elements (a multiple of 4 bytes) placed like a Discord client does: the
   * 0xBEDE profile and length stay in clear (in the additional data), the elements are encrypted.
   */
  extension?: Buffer;
}

/** A transport-encrypted RTP packet in `aead_aes256_gcm_rtpsize`, the layout @discordjs/voice reads. */
export function encryptRtp(fields: RtpFields, options: EncryptRtpOptions): Buffer {
  const extension = options.extension;
  if (extension && extension.length % 4 !== 0) throw new Error('RTP header extension must be a multiple of 4 bytes');
  const header = Buffer.alloc(HEADER_BYTES + (extension ? 4 : 0));
  header[0] = extension ? 0x90 : 0x80;
  header[1] = RTP_OPUS_PAYLOAD_TYPE;
  header.writeUInt16BE(fields.sequence & 0xffff, 2);
  header.writeUInt32BE(fields.timestamp >>> 0, 4);
  header.writeUInt32BE(fields.ssrc >>> 0, 8);
  if (extension) {
    header.writeUInt16BE(EXTENSION_PROFILE, 12);
    header.writeUInt16BE(extension.length / 4, 14);
  }
  const nonceSuffix = Buffer.alloc(NONCE_SUFFIX_BYTES);
  nonceSuffix.writeUInt32BE(options.nonce >>> 0, 0);
  const cipher = createCipheriv('aes-256-gcm', options.secretKey, nonceOf(nonceSuffix));
  cipher.setAAD(header);
  const plain = extension ? Buffer.concat([extension, fields.payload]) : fields.payload;
  return Buffer.concat([header, cipher.update(plain), cipher.final(), cipher.getAuthTag(), nonceSuffix]);
}

/** Whether a UDP datagram looks like an RTP packet with the Opus payload type. */
export function isRtpPacket(datagram: Buffer): boolean {
  return datagram.length >= HEADER_BYTES + AUTH_TAG_BYTES + NONCE_SUFFIX_BYTES && datagram.readUInt8(0) >> 6 === 2 && (datagram.readUInt8(1) & 0x7f) === RTP_OPUS_PAYLOAD_TYPE;
}

/** Reads the SSRC of an RTP packet. */
export function rtpSsrc(datagram: Buffer): number {
  return datagram.readUInt32BE(8);
}

/** Decrypts an `aead_aes256_gcm_rtpsize` packet; throws when authentication fails (a corrupted packet). */
export function decryptRtp(datagram: Buffer, secretKey: Uint8Array): RtpFields & { nonce: number } {
  if (!isRtpPacket(datagram)) throw new Error('not an RTP packet with the Opus payload type');
  const hasExtension = (datagram.readUInt8(0) & 0x10) !== 0;
  const headerBytes = HEADER_BYTES + (hasExtension ? 4 : 0);
  const header = datagram.subarray(0, headerBytes);
  const nonceSuffix = datagram.subarray(datagram.length - NONCE_SUFFIX_BYTES);
  const tag = datagram.subarray(datagram.length - NONCE_SUFFIX_BYTES - AUTH_TAG_BYTES, datagram.length - NONCE_SUFFIX_BYTES);
  const encrypted = datagram.subarray(headerBytes, datagram.length - NONCE_SUFFIX_BYTES - AUTH_TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', secretKey, nonceOf(nonceSuffix));
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  let payload = Buffer.concat([decipher.update(encrypted), decipher.final()]);
  if (hasExtension) payload = payload.subarray(datagram.readUInt16BE(14) * 4);
  return {
    sequence: datagram.readUInt16BE(2),
    timestamp: datagram.readUInt32BE(4),
    ssrc: datagram.readUInt32BE(8),
    payload,
    nonce: nonceSuffix.readUInt32BE(0),
  };
}

/** Breaks a packet's authentication tag, so the receiver's decryption fails as with a corrupted datagram. */
export function corruptRtp(packet: Buffer): Buffer {
  const copy = Buffer.from(packet);
  const tagByte = copy.length - NONCE_SUFFIX_BYTES - 1;
  copy.writeUInt8(copy.readUInt8(tagByte) ^ 0xff, tagByte);
  return copy;
}

function nonceOf(suffix: Buffer): Buffer {
  // @discordjs/voice writes its 32-bit counter at the start of a zeroed 12-byte nonce.
  const nonce = Buffer.alloc(12);
  suffix.copy(nonce, 0, 0, NONCE_SUFFIX_BYTES);
  return nonce;
}

/** The 74-byte IP discovery response: type 2, length 70, SSRC, address (NUL-padded), port. */
export function ipDiscoveryResponse(ssrc: number, address: string, port: number): Buffer {
  const response = Buffer.alloc(74);
  response.writeUInt16BE(2, 0);
  response.writeUInt16BE(70, 2);
  response.writeUInt32BE(ssrc >>> 0, 4);
  response.write(address, 8, 'utf8');
  response.writeUInt16BE(port, 72);
  return response;
}

/** The SSRC of a 74-byte IP discovery request (type 1), or undefined if the datagram is not one. */
export function ipDiscoveryRequestSsrc(datagram: Buffer): number | undefined {
  if (datagram.length !== 74 || datagram.readUInt16BE(0) !== 1 || datagram.readUInt16BE(2) !== 70) return undefined;
  return datagram.readUInt32BE(4);
}
