import { mediaSubject } from '@voxbridge/contracts';
import { deferBy, FrameBatch } from './frame-batch';

describe(FrameBatch.name, () => {
  const subjectA = mediaSubject('11111111-1111-4111-8111-111111111111', 'audio.in');
  const subjectB = mediaSubject('22222222-2222-4222-8222-222222222222', 'audio.in');

  function setup(fail?: (seq: number) => boolean) {
    const published: Array<{ subject: string; seq: number }> = [];
    const errors: unknown[] = [];
    const deferred: Array<() => void> = [];
    const sut = new FrameBatch(
      (subject, _payload, meta) => {
        if (fail?.(meta.seq)) throw new Error(`refused ${meta.seq}`);
        published.push({ subject, seq: meta.seq });
      },
      (error) => errors.push(error),
      (run) => deferred.push(run),
    );
    return { sut, published, errors, deferred };
  }

  it('publishes nothing until the deferred flush, then every frame of every session in arrival order, with one flush scheduled', () => {
    const { sut, published, deferred } = setup();
    sut.publish(subjectA, new Uint8Array(2), { seq: 0, timestampMs: 1 });
    sut.publish(subjectB, new Uint8Array(2), { seq: 0, timestampMs: 2 });
    sut.publish(subjectA, new Uint8Array(2), { seq: 1, timestampMs: 3 });

    expect(published).toEqual([]);
    expect(deferred).toHaveLength(1);
    expect(sut.size).toBe(3);

    deferred[0]?.();
    expect(published).toEqual([
      { subject: subjectA, seq: 0 },
      { subject: subjectB, seq: 0 },
      { subject: subjectA, seq: 1 },
    ]);
    expect(sut.size).toBe(0);

    sut.publish(subjectB, new Uint8Array(2), { seq: 1, timestampMs: 4 });
    expect(deferred).toHaveLength(2);
  });

  it('a frame that fails to publish is reported and the rest still go', () => {
    const { sut, published, errors, deferred } = setup((seq) => seq === 1);
    for (let seq = 0; seq < 3; seq++) sut.publish(subjectA, new Uint8Array(2), { seq, timestampMs: seq });
    deferred[0]?.();
    expect(published.map((p) => p.seq)).toEqual([0, 2]);
    expect(errors).toEqual([new Error('refused 1')]);
  });

  it('publishes at once when the batch is full, and the flush deferred for it then does nothing', () => {
    const { sut, published, deferred } = setup();
    for (let seq = 0; seq < 48; seq++) sut.publish(subjectA, new Uint8Array(2), { seq, timestampMs: seq });
    expect(published).toHaveLength(48);
    sut.publish(subjectA, new Uint8Array(2), { seq: 48, timestampMs: 48 });
    expect(deferred).toHaveLength(2);

    deferred[0]?.();
    expect(published).toHaveLength(48);
    deferred[1]?.();
    expect(published.map((p) => p.seq)).toEqual(Array.from({ length: 49 }, (_, i) => i));
  });

  it('deferBy(ms) waits that long on a timer', async () => {
    jest.useFakeTimers();
    try {
      const published: number[] = [];
      const sut = new FrameBatch(
        (_subject, _payload, meta) => published.push(meta.seq),
        () => undefined,
        deferBy(5),
      );
      sut.publish(subjectA, new Uint8Array(2), { seq: 1, timestampMs: 1 });
      await jest.advanceTimersByTimeAsync(4);
      sut.publish(subjectB, new Uint8Array(2), { seq: 2, timestampMs: 2 });
      expect(published).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(published).toEqual([1, 2]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('by default flushes on setImmediate, not on a timer', async () => {
    const published: number[] = [];
    const sut = new FrameBatch(
      (_subject, _payload, meta) => published.push(meta.seq),
      () => undefined,
    );
    sut.publish(subjectA, new Uint8Array(2), { seq: 7, timestampMs: 1 });
    await Promise.resolve();
    expect(published).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(published).toEqual([7]);
  });
});
