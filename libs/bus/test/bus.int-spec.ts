import { randomBytes, randomUUID } from 'node:crypto';
import { AUDIO_IN_FRAME_BYTES, controlSubject, ErrorCode, mediaSubject, namespaced } from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { IsInt, IsString, IsUUID, Min } from 'class-validator';
import {
  Bus,
  BusNoRespondersError,
  BusRemoteError,
  BusTimeoutError,
  BusValidationError,
  encodeFrameHeaders,
  type Frame,
} from '../src';
import { RecordingLogger } from './recording-logger';

class AgentGet {
  @IsUUID()
  agent_id!: string;
}

class AgentView {
  @IsUUID()
  agent_id!: string;

  @IsString()
  name!: string;
}

class Ping {
  @IsString()
  probe!: string;
}

class Pong {
  @IsString()
  instance!: string;

  @IsInt()
  @Min(0)
  uptime_ms!: number;
}

describe(Bus.name, () => {
  const namespace = uniqueNamespace();
  const buses: Bus[] = [];
  let logger: RecordingLogger;
  let sut: Bus;
  let peer: Bus;

  const open = async (ns = namespace, log = new RecordingLogger()) => {
    const bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: ns, name: `bus-int-${ns}`, logger: log });
    buses.push(bus);
    return bus;
  };

  beforeEach(async () => {
    logger = new RecordingLogger();
    sut = await open(namespace, logger);
    peer = await open();
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.drain()));
  });

  describe('connect', () => {
    it('refuses a namespace that could reroute subjects', async () => {
      await expect(Bus.connect({ servers: testInfra().natsUrl, namespace: 'a.b', name: 'bad' })).rejects.toThrow(/namespace must be/);
    });

    it('reports connected until drained, and drains twice without error', async () => {
      expect(sut.isConnected()).toBe(true);
      await Promise.all([sut.drain(), sut.drain()]);
      await sut.drain();
      expect(sut.isConnected()).toBe(false);
      expect(sut.connection.isClosed()).toBe(true);
    });
  });

  describe('frames', () => {
    it('deliver 500 binary frames byte-exact and in order with seq, timestamp and turn id', async () => {
      const subject = mediaSubject(randomUUID(), 'audio.in');
      const turnId = randomUUID();
      const sent = Array.from({ length: 500 }, (_, seq) => ({
        seq,
        timestampMs: 1_700_000_000_000 + seq * 20,
        turnId: seq % 2 === 0 ? turnId : undefined,
        payload: new Uint8Array(randomBytes(AUDIO_IN_FRAME_BYTES)),
      }));
      const received: Frame[] = [];
      const sub = sut.subscribeFrames(subject, (frame) => {
        received.push(frame);
      });
      await sut.connection.flush();

      for (const { payload, ...meta } of sent) peer.publishFrame(subject, payload, meta);

      await expectEventually(() => expect(received).toHaveLength(500), { context: () => `received ${received.length}` });
      expect(received.map(({ subject, seq, timestampMs, turnId }) => ({ subject, seq, timestampMs, turnId }))).toEqual(
        sent.map(({ seq, timestampMs, turnId }) => ({ subject, seq, timestampMs, turnId })),
      );
      const corrupted = received.filter((frame, i) => !Buffer.from(frame.payload).equals(Buffer.from(sent[i]?.payload ?? [])));
      expect(corrupted).toHaveLength(0);
      sub.unsubscribe();
      await sub.closed;
    });

    it('drop a message without valid media headers and log it', async () => {
      const subject = mediaSubject(randomUUID(), 'audio.in');
      const received: Frame[] = [];
      sut.subscribeFrames(subject, (frame) => {
        received.push(frame);
      });
      await sut.connection.flush();

      peer.connection.publish(namespaced(namespace, subject), new Uint8Array(640));
      peer.publishFrame(subject, new Uint8Array([1, 2, 3]), { seq: 7, timestampMs: 99 });

      await expectEventually(() => expect(received.map((f) => f.seq)).toEqual([7]), { context: () => logger.dump() });
      expect(logger.find('bus frame dropped: bad media headers')).toEqual([
        expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ problem: 'message has no headers' }) }),
      ]);
    });

    it('keep receiving after a handler throws', async () => {
      const subject = mediaSubject(randomUUID(), 'vad');
      const seen: number[] = [];
      sut.subscribeFrames(subject, async (frame) => {
        seen.push(frame.seq);
        if (frame.seq === 0) throw new Error('boom');
      });
      await sut.connection.flush();

      peer.publishFrame(subject, new Uint8Array([0]), { seq: 0, timestampMs: 1 });
      peer.publishFrame(subject, new Uint8Array([1]), { seq: 1, timestampMs: 2 });

      await expectEventually(() => expect(seen).toEqual([0, 1]));
      expect(logger.find('bus handler failed')).toHaveLength(1);
    });
  });

  describe('typed JSON', () => {
    it('reject an invalid message with an error reply naming the property, and deliver only the valid one', async () => {
      const subject = controlSubject('agents', 'agent', 'touch');
      const delivered: AgentGet[] = [];
      sut.subscribeJson(subject, AgentGet, (value) => {
        delivered.push(value);
      });
      await sut.connection.flush();

      const rejection = peer.requestJson(subject, { agent_id: 'nope', extra: 1 }, { timeoutMs: 2_000 });
      await expect(rejection).rejects.toBeInstanceOf(BusRemoteError);
      await expect(rejection).rejects.toMatchObject({
        code: ErrorCode.ValidationFailed,
        message: expect.stringContaining('agent_id must be a UUID'),
        fields: { agent_id: ['agent_id must be a UUID'], extra: ['property extra should not exist'] },
      });
      peer.publishJson(subject, { agent_id: 'also bad' });
      const valid = { agent_id: randomUUID() };
      peer.publishJson(subject, valid);

      await expectEventually(() => expect(delivered).toEqual([valid]), { context: () => logger.dump() });
      expect(delivered[0]).toBeInstanceOf(AgentGet);
      const rejected = logger.find('bus message rejected: validation failed');
      expect(rejected).toHaveLength(2);
      const [first] = rejected;
      expect(first?.fields['type']).toBe('AgentGet');
      expect([...(first?.fields['problems'] as string[])].sort()).toEqual([
        'agent_id: agent_id must be a UUID',
        'extra: property extra should not exist',
      ]);
    });

    it('reject a body that is not JSON without calling the handler', async () => {
      const subject = controlSubject('agents', 'agent', 'poke');
      const handler = jest.fn();
      sut.subscribeJson(subject, AgentGet, handler);
      await sut.connection.flush();

      const reply = await peer.connection.request(namespaced(namespace, subject), new TextEncoder().encode('{oops'), { timeout: 2_000 });

      expect(reply.headers?.get('Vb-Error')).toBe(ErrorCode.ValidationFailed);
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ error: { code: 'validation_failed', fields: { body: ['must be valid JSON'] } } });
      expect(handler).not.toHaveBeenCalled();
    });

    it('drop messages undecoded while `wanted` says nobody needs them, and deliver again when it does', async () => {
      const subject = controlSubject('agents', 'agent', 'relay');
      let listening = false;
      const delivered: string[] = [];
      sut.subscribeJson(subject, AgentGet, (value) => void delivered.push(value.agent_id), { wanted: () => listening });
      await sut.connection.flush();
      const [skipped, invalidWhileSkipping, kept] = [randomUUID(), 'not-a-uuid', randomUUID()];

      peer.publishJson(subject, { agent_id: skipped });
      peer.publishJson(subject, { agent_id: invalidWhileSkipping });
      await peer.connection.flush();
      await sut.connection.flush();
      listening = true;
      peer.publishJson(subject, { agent_id: kept });

      await expectEventually(() => expect(delivered).toEqual([kept]), { context: () => logger.dump() });
      // Not even decoded: the invalid message was never reported.
      expect(logger.find('bus message rejected: validation failed').filter((line) => line.fields['subject'] === namespaced(namespace, subject))).toEqual([]);
    });
  });

  describe('request/reply', () => {
    const subject = controlSubject('agents', 'agent', 'get');

    it('answer a valid request with the typed result', async () => {
      const agentId = randomUUID();
      sut.serveJson(subject, AgentGet, (req) => ({ agent_id: req.agent_id, name: 'Ada' }));
      await sut.connection.flush();

      const view = await peer.requestJson(subject, { agent_id: agentId }, { responseType: AgentView });

      expect(view).toBeInstanceOf(AgentView);
      expect(view).toEqual({ agent_id: agentId, name: 'Ada' });
    });

    it('fail with BusNoRespondersError when nobody serves the subject', async () => {
      const started = Date.now();
      const failure = peer.requestJson(subject, { agent_id: randomUUID() }, { timeoutMs: 5_000 });
      await expect(failure).rejects.toBeInstanceOf(BusNoRespondersError);
      await expect(failure).rejects.toMatchObject({ code: ErrorCode.NoResponders });
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('fail with BusTimeoutError when the responder never answers', async () => {
      sut.connection.subscribe(namespaced(namespace, subject)); // listens, never replies
      await sut.connection.flush();

      const failure = peer.requestJson(subject, { agent_id: randomUUID() }, { timeoutMs: 200 });
      await expect(failure).rejects.toBeInstanceOf(BusTimeoutError);
      await expect(failure).rejects.toMatchObject({ code: ErrorCode.Timeout, timeoutMs: 200 });
    });

    it('carry a coded failure back as BusRemoteError with its code and message', async () => {
      sut.serveJson(subject, AgentGet, () => {
        throw Object.assign(new Error('agent not found'), { code: ErrorCode.NotFound });
      });
      await sut.connection.flush();

      const failure = peer.requestJson(subject, { agent_id: randomUUID() });
      await expect(failure).rejects.toBeInstanceOf(BusRemoteError);
      await expect(failure).rejects.toMatchObject({ code: ErrorCode.NotFound, message: 'agent not found' });
    });

    it('hide an unexpected failure behind internal, logging it once with the id sent back', async () => {
      sut.serveJson(subject, AgentGet, async () => {
        throw new Error('connection string postgres://secret');
      });
      await sut.connection.flush();

      const error = await peer.requestJson(subject, { agent_id: randomUUID() }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(BusRemoteError);
      const remote = error as BusRemoteError;
      expect(remote.code).toBe(ErrorCode.Internal);
      expect(remote.message).toBe('internal error');
      expect(remote.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const logged = logger.find('bus handler failed');
      expect(logged).toHaveLength(1);
      expect(logged[0]?.fields).toMatchObject({ request_id: remote.requestId, err: { message: 'connection string postgres://secret' } });
    });

    it('fail with BusValidationError when the reply is not a valid responseType', async () => {
      sut.serveJson(subject, AgentGet, (req) => ({ agent_id: req.agent_id }));
      await sut.connection.flush();

      const failure = peer.requestJson(subject, { agent_id: randomUUID() }, { responseType: AgentView });
      await expect(failure).rejects.toBeInstanceOf(BusValidationError);
      await expect(failure).rejects.toMatchObject({ code: ErrorCode.ValidationFailed, problems: ['name: name must be a string'] });
    });

    it('spread requests over a queue group so each is answered once', async () => {
      const answeredBy: string[] = [];
      const group = `${namespace}.agent-api`;
      for (const bus of [sut, peer]) {
        bus.serveJson(subject, AgentGet, (req) => {
          answeredBy.push(bus === sut ? 'sut' : 'peer');
          return { agent_id: req.agent_id, name: 'x' };
        }, { queue: group });
      }
      await Promise.all([sut.connection.flush(), peer.connection.flush()]);

      await Promise.all(Array.from({ length: 20 }, () => sut.requestJson(subject, { agent_id: randomUUID() }, { responseType: AgentView })));

      expect(answeredBy).toHaveLength(20);
    });
  });

  describe('gather', () => {
    const subject = controlSubject('fleet', 'health', 'probe');

    const replica = async (instance: string, delayMs = 0) => {
      const bus = await open();
      bus.serveJson(subject, Ping, async () => {
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        return { instance, uptime_ms: 1 };
      });
      await bus.connection.flush();
      return bus;
    };

    it('collect every replica and stop a grace period after `until` holds', async () => {
      await Promise.all(['a', 'b', 'c'].map((name) => replica(name)));
      const started = Date.now();

      const replies = await sut.gather(subject, { probe: 'x' }, Pong, {
        maxWaitMs: 5_000,
        graceMs: 100,
        until: (got) => got.length === 3,
      });

      expect(Date.now() - started).toBeLessThan(2_000);
      expect(replies.map((r) => r.instance).sort()).toEqual(['a', 'b', 'c']);
      expect(replies.every((r) => r instanceof Pong)).toBe(true);
    });

    it('return what arrived by maxWaitMs, skipping invalid replies', async () => {
      await replica('fast');
      await replica('slow', 1_000);
      const liar = await open();
      liar.serveJson(subject, Ping, () => ({ instance: 'liar', uptime_ms: -5 }));
      await liar.connection.flush();
      const started = Date.now();

      const replies = await sut.gather(subject, { probe: 'x' }, Pong, { maxWaitMs: 400, until: (got) => got.length === 3 });

      const elapsedMs = Date.now() - started;
      expect(elapsedMs).toBeGreaterThanOrEqual(390);
      expect(elapsedMs).toBeLessThan(1_000);
      expect(replies.map((r) => r.instance)).toEqual(['fast']);
      expect(logger.find('bus gather skipped an invalid reply')).toHaveLength(1);
    });

    it('resolve at once with nothing when nobody listens', async () => {
      const started = Date.now();
      const replies = await sut.gather(subject, { probe: 'x' }, Pong, { maxWaitMs: 5_000 });
      expect(replies).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  describe('namespaces', () => {
    it('keep two fleets on one server apart', async () => {
      const otherNamespace = uniqueNamespace();
      const other = await open(otherNamespace);
      const subject = controlSubject('agents', 'agent', 'get');
      const media = mediaSubject(randomUUID(), 'transcript');
      other.serveJson(subject, AgentGet, (req) => ({ agent_id: req.agent_id, name: 'other fleet' }));
      const seenByOther: number[] = [];
      other.subscribeFrames(media, (frame) => {
        seenByOther.push(frame.seq);
      });
      const seenBySut: number[] = [];
      sut.subscribeFrames(media, (frame) => {
        seenBySut.push(frame.seq);
      });
      await Promise.all([other.connection.flush(), sut.connection.flush()]);

      await expect(sut.requestJson(subject, { agent_id: randomUUID() })).rejects.toBeInstanceOf(BusNoRespondersError);

      // Each fleet's frame is followed, on the same connection, by a marker sent straight into the
      // other fleet: once a marker arrives, a leaked frame would have arrived before it.
      const marker = (ns: string, seq: number) =>
        [namespaced(ns, media), new Uint8Array([seq]), { headers: encodeFrameHeaders({ seq, timestampMs: seq }) }] as const;
      peer.publishFrame(media, new Uint8Array([1]), { seq: 1, timestampMs: 1 });
      peer.connection.publish(...marker(otherNamespace, 8));
      other.publishFrame(media, new Uint8Array([2]), { seq: 2, timestampMs: 2 });
      other.connection.publish(...marker(namespace, 9));

      await expectEventually(() => expect([...seenBySut].sort()).toEqual([1, 9]));
      await expectEventually(() => expect([...seenByOther].sort()).toEqual([2, 8]));
    });
  });
});
