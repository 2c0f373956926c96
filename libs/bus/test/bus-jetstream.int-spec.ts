import { randomUUID } from 'node:crypto';
import { domainEvents, ErrorCode, eventSubject, namespaced, streamName, type Subject } from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { IsInt, IsUUID, Min } from 'class-validator';
import { Bus, BusNoRespondersError, type DurableConsumer } from '../src';
import { RecordingLogger } from './recording-logger';

class TurnCommitted {
  @IsUUID()
  turn_id!: string;

  @IsInt()
  @Min(0)
  index!: number;
}

interface Delivery {
  index: number;
  seq: number;
  redelivered: boolean;
}

describe(`${Bus.name} JetStream`, () => {
  const namespace = uniqueNamespace();
  const domain = 'sessions';
  // Each test gets its own event subject, so a new durable (deliver all) sees only that test's events.
  let committed: Subject;
  const buses: Bus[] = [];
  const consumers: DurableConsumer[] = [];
  let logger: RecordingLogger;
  let sut: Bus;

  const open = async () => {
    const bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'bus-js-int', logger });
    buses.push(bus);
    return bus;
  };
  const turn = (index: number): TurnCommitted => ({ turn_id: randomUUID(), index });

  beforeAll(async () => {
    logger = new RecordingLogger();
    const admin = await open();
    await admin.ensureStream(domain, [domainEvents(domain)]);
  });

  beforeEach(async () => {
    committed = eventSubject(domain, `turn${randomUUID().slice(0, 8)}`, 'committed');
    logger = new RecordingLogger();
    sut = await open();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.all(buses.splice(0).map((bus) => bus.drain()));
  });

  afterAll(async () => {
    const bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'bus-js-cleanup' });
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(streamName(namespace, domain));
    await bus.drain();
  });

  const consume = async (bus: Bus, durable: string, deliveries: Delivery[], fail?: (value: TurnCommitted) => boolean) => {
    const consumer = await bus.consumeDurable(
      domain,
      durable,
      committed,
      TurnCommitted,
      async (value, meta) => {
        deliveries.push({ index: value.index, seq: meta.seq, redelivered: meta.redelivered });
        if (fail?.(value)) throw new Error('handler failed');
      },
      { ackWaitMs: 1_000, nakDelayMs: 50 },
    );
    consumers.push(consumer);
    return consumer;
  };

  it('creates a file-backed stream with namespaced subjects, idempotently, and updates its subjects', async () => {
    const jsm = await sut.connection.jetstreamManager();
    const name = await sut.ensureStream('plugins', [domainEvents('plugins')]);
    await sut.ensureStream('plugins', [domainEvents('plugins')]);
    expect(name).toBe(streamName(namespace, 'plugins'));
    const created = await jsm.streams.info(name);
    expect(created.config.storage).toBe('file');
    expect(created.config.subjects).toEqual([namespaced(namespace, domainEvents('plugins'))]);

    const extra = eventSubject('agents', 'plugin', 'installed');
    await sut.ensureStream('plugins', [domainEvents('plugins'), extra]);

    expect((await jsm.streams.info(name)).config.subjects).toEqual([
      namespaced(namespace, domainEvents('plugins')),
      namespaced(namespace, extra),
    ]);
    await jsm.streams.delete(name);
  });

  it('acks a publish with stream and sequence, and dedupes by msgId', async () => {
    const msgId = randomUUID();
    const first = await sut.publishDurable(committed, turn(1), { msgId });
    const again = await sut.publishDurable(committed, turn(1), { msgId });

    expect(first).toEqual({ stream: streamName(namespace, domain), seq: expect.any(Number), duplicate: false });
    expect(again).toEqual({ stream: first.stream, seq: first.seq, duplicate: true });
  });

  it('refuses a durable publish that no stream captures', async () => {
    const failure = sut.publishDurable(eventSubject('agents', 'agent', 'updated'), turn(1));
    await expect(failure).rejects.toBeInstanceOf(BusNoRespondersError);
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.NoResponders });
  });

  it('delivers what was published while the consumer was stopped, in order, exactly once', async () => {
    const durable = `catchup-${randomUUID().slice(0, 8)}`;
    const before: Delivery[] = [];
    const first = await consume(sut, durable, before);
    const warmup = await sut.publishDurable(committed, turn(0));
    await expectEventually(() => expect(before.map((d) => d.seq)).toEqual([warmup.seq]));
    await first.stop();
    await sut.drain();

    // Published by another process while nobody consumes.
    const publisher = await open();
    const published: Array<{ seq: number }> = [];
    for (let index = 1; index <= 5; index++) published.push(await publisher.publishDurable(committed, turn(index)));

    const restarted = await open();
    const after: Delivery[] = [];
    const second = await consume(restarted, durable, after);

    await expectEventually(() => expect(after).toHaveLength(5), { context: () => JSON.stringify(after) });
    expect(after).toEqual(published.map((ack, i) => ({ index: i + 1, seq: ack.seq, redelivered: false })));
    const settled = await expectEventually(async () => {
      const info = await second.info();
      expect(info).toMatchObject({ num_ack_pending: 0, num_pending: 0, num_redelivered: 0 });
      return info;
    });
    expect(settled.delivered.stream_seq).toBe(published.at(-1)?.seq);
    expect(before).toHaveLength(1);
    // Nothing is pending or awaiting an ack, so the server has nothing left to redeliver.
    expect(after).toHaveLength(5);
  });

  it('resumes on the same connection after stop() without losing or repeating messages', async () => {
    const durable = `resume-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    const published: Array<{ seq: number }> = [];
    for (let round = 0; round < 3; round++) {
      const consumer = await consume(sut, durable, deliveries);
      published.push(await sut.publishDurable(committed, turn(round * 10)));
      await expectEventually(() => expect(deliveries).toHaveLength(published.length));
      await consumer.stop();
      for (let index = 1; index <= 3; index++) published.push(await sut.publishDurable(committed, turn(round * 10 + index)));
    }
    const last = await consume(sut, durable, deliveries);

    await expectEventually(() => expect(deliveries).toHaveLength(published.length), { context: () => JSON.stringify(deliveries) });
    expect(deliveries.map((d) => d.seq)).toEqual(published.map((ack) => ack.seq));
    expect(deliveries.every((d) => !d.redelivered)).toBe(true);
    await expectEventually(async () => expect(await last.info()).toMatchObject({ num_ack_pending: 0, num_pending: 0, num_redelivered: 0 }));
  });

  it('redelivers a message whose handler threw, then acks it', async () => {
    const durable = `retry-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    let failures = 0;
    const consumer = await consume(sut, durable, deliveries, () => failures++ === 0);

    const ack = await sut.publishDurable(committed, turn(7));

    await expectEventually(() =>
      expect(deliveries).toEqual([
        { index: 7, seq: ack.seq, redelivered: false },
        { index: 7, seq: ack.seq, redelivered: true },
      ]),
    );
    await expectEventually(async () => expect(await consumer.info()).toMatchObject({ num_ack_pending: 0, num_pending: 0 }));
    expect(logger.find('bus durable handler failed; message will be redelivered')).toHaveLength(1);
  });

  it('runs up to `concurrency` handlers at once and acks every message once', async () => {
    const durable = `parallel-${randomUUID().slice(0, 8)}`;
    let running = 0;
    let mostAtOnce = 0;
    const release: Array<() => void> = [];
    const handled: number[] = [];
    const consumer = await sut.consumeDurable(
      domain,
      durable,
      committed,
      TurnCommitted,
      async (value) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
        handled.push(value.index);
      },
      { concurrency: 4 },
    );
    consumers.push(consumer);

    for (let i = 0; i < 10; i++) await sut.publishDurable(committed, turn(i));
    // Four handlers are held open at once, and a fifth does not start while they are.
    await expectEventually(() => expect(release).toHaveLength(4));
    await sut.connection.flush();
    expect(running).toBe(4);
    while (handled.length < 10) {
      release.splice(0).forEach((resolve) => resolve());
      await expectEventually(() => expect(release.length > 0 || handled.length === 10).toBe(true));
    }

    expect(mostAtOnce).toBe(4);
    expect([...handled].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await expectEventually(async () => expect(await consumer.info()).toMatchObject({ num_ack_pending: 0, num_pending: 0, num_redelivered: 0 }));
  });

  it('terminates an invalid message without delivering it', async () => {
    const durable = `poison-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    const consumer = await consume(sut, durable, deliveries);

    await sut.publishDurable(committed, { turn_id: 'not-a-uuid', index: 1 });
    const valid = await sut.publishDurable(committed, turn(2));

    await expectEventually(() => expect(deliveries).toEqual([{ index: 2, seq: valid.seq, redelivered: false }]));
    await expectEventually(async () => expect(await consumer.info()).toMatchObject({ num_ack_pending: 0, num_pending: 0, num_redelivered: 0 }));
    const rejected = logger.find('bus durable message rejected: validation failed; terminated');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.fields).toMatchObject({ problems: ['turn_id: turn_id must be a UUID'] });
  });

  it('refuses to bind a durable to a different filter', async () => {
    const durable = `filter-${randomUUID().slice(0, 8)}`;
    await consume(sut, durable, []);

    const rebind = sut.consumeDurable(domain, durable, eventSubject(domain, 'turn', 'deleted'), TurnCommitted, async () => undefined);

    await expect(rebind).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });
});
