import { randomUUID } from 'node:crypto';
import { connect, headers } from 'nats';
import { uniqueNamespace } from './infra';
import { SubjectTap } from './subject-tap';
import { testInfra } from './test-env';

describe(SubjectTap.name, () => {
  it("records one session's media plane, frames and JSON, and nothing else", async () => {
    const { natsUrl } = testInfra();
    const namespace = uniqueNamespace();
    const sessionId = randomUUID();
    const sut = await SubjectTap.start(natsUrl, namespace, sessionId);
    const nc = await connect({ servers: natsUrl });
    try {
      const h = headers();
      h.set('Vb-Seq', '7');
      nc.publish(`${namespace}.voice.v1.${sessionId}.audio.in`, new Uint8Array(640), { headers: h });
      nc.publish(`${namespace}.voice.v1.${sessionId}.transcript`, new TextEncoder().encode('{"kind":"final"}'));
      nc.publish(`${namespace}.voice.v1.${randomUUID()}.audio.in`, new Uint8Array(640));
      nc.publish(`other.voice.v1.${sessionId}.audio.in`, new Uint8Array(640));
      await nc.flush();

      await sut.expectEventually(() => expect(sut.records).toHaveLength(2));
      expect(sut.on('audio.in')).toEqual([expect.objectContaining({ subject: `voice.v1.${sessionId}.audio.in`, sizeBytes: 640, headers: { 'Vb-Seq': '7' } })]);
      expect(sut.on('transcript')[0]?.json).toEqual({ kind: 'final' });
      expect(sut.dump()).toContain('audio.in {"Vb-Seq":"7"} <640 bytes>');
    } finally {
      await nc.drain();
      await sut.stop();
    }
  });

  it('prints what it saw when an assertion through it fails', async () => {
    const { natsUrl } = testInfra();
    const sut = await SubjectTap.start(natsUrl, uniqueNamespace(), randomUUID());
    try {
      await expect(sut.expectEventually(() => expect(sut.on('audio.out')).toHaveLength(1), { timeoutMs: 50 })).rejects.toThrow(
        /subject tap on .*voice\.v1\..* saw 0 messages/,
      );
    } finally {
      await sut.stop();
    }
  });
});
