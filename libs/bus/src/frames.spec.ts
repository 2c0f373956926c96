import { MediaHeaders } from '@voxbridge/contracts';
import { headers } from 'nats';
import { decodeFrameHeaders, encodeFrameHeaders } from './frames';

describe('frame headers', () => {
  it('round-trip seq, timestamp and turn id', () => {
    const meta = { seq: 41, timestampMs: 1_700_000_000_123, turnId: '3f1c2b9e-8a4d-4f7e-9b1a-2c3d4e5f6a7b' };
    expect(decodeFrameHeaders(encodeFrameHeaders(meta))).toEqual({ ok: true, meta });
  });

  it('leave turn id out when none was given', () => {
    const h = encodeFrameHeaders({ seq: 0, timestampMs: 0 });
    expect(h.has(MediaHeaders.turnId)).toBe(false);
    expect(decodeFrameHeaders(h)).toEqual({ ok: true, meta: { seq: 0, timestampMs: 0 } });
  });

  it.each([
    [-1, 0],
    [1.5, 0],
    [0, Number.NaN],
    [Number.MAX_SAFE_INTEGER + 1, 0],
  ])('refuse to encode seq %p / timestamp %p', (seq, timestampMs) => {
    expect(() => encodeFrameHeaders({ seq, timestampMs })).toThrow(RangeError);
  });

  it('refuse a turn id that would break the header line', () => {
    expect(() => encodeFrameHeaders({ seq: 1, timestampMs: 1, turnId: 'a\r\nb' })).toThrow(/turnId/);
    expect(() => encodeFrameHeaders({ seq: 1, timestampMs: 1, turnId: '' })).toThrow(/turnId/);
  });

  it('round-trip a speaker id and a display name with any characters', () => {
    const meta = { seq: 3, timestampMs: 10, speakerId: '80351110224678912', speakerName: 'Zoë “the voice” 🎙 : 100%' };
    expect(decodeFrameHeaders(encodeFrameHeaders(meta))).toEqual({ ok: true, meta });
  });

  it('refuse a speaker id that is not an id', () => {
    expect(() => encodeFrameHeaders({ seq: 1, timestampMs: 1, speakerId: 'a b' })).toThrow(/speakerId/);
    expect(() => encodeFrameHeaders({ seq: 1, timestampMs: 1, speakerId: '' })).toThrow(/speakerId/);
  });

  it('report a bad speaker header', () => {
    const h = headers();
    h.set(MediaHeaders.sequence, '1');
    h.set(MediaHeaders.timestampMs, '1');
    h.set(MediaHeaders.speakerId, 'x/y');
    expect(decodeFrameHeaders(h)).toEqual({ ok: false, problem: 'invalid header Vb-Speaker-Id' });
    h.set(MediaHeaders.speakerId, '42');
    h.set(MediaHeaders.speakerName, '%E0%A4%A');
    expect(decodeFrameHeaders(h)).toEqual({ ok: false, problem: 'invalid header Vb-Speaker-Name' });
  });

  it('report a message without headers', () => {
    expect(decodeFrameHeaders(undefined)).toEqual({ ok: false, problem: 'message has no headers' });
  });

  it.each([
    [{ [MediaHeaders.timestampMs]: '5' }, 'missing header Vb-Seq'],
    [{ [MediaHeaders.sequence]: '5' }, 'missing header Vb-Ts-Ms'],
    [{ [MediaHeaders.sequence]: 'x', [MediaHeaders.timestampMs]: '5' }, 'invalid header Vb-Seq'],
    [{ [MediaHeaders.sequence]: '-3', [MediaHeaders.timestampMs]: '5' }, 'invalid header Vb-Seq'],
    [{ [MediaHeaders.sequence]: '1', [MediaHeaders.timestampMs]: '1e3' }, 'invalid header Vb-Ts-Ms'],
    [{ [MediaHeaders.sequence]: '1', [MediaHeaders.timestampMs]: '99999999999999999999' }, 'invalid header Vb-Ts-Ms'],
  ])('report bad media headers %p', (values, problem) => {
    const h = headers();
    for (const [key, value] of Object.entries(values)) h.set(key, value);
    expect(decodeFrameHeaders(h)).toEqual({ ok: false, problem });
  });
});
