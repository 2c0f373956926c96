import { randomUUID } from 'node:crypto';
import {
  BusSubjects,
  DEAD_LETTER_DOMAIN,
  deadLetterSubject,
  domainEvents,
  ErrorCode,
  eventSubject,
  MessageDeadLetteredEvent,
  namespaced,
  streamName,
  type Subject,
} from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { IsInt, IsUUID, Min } from 'class-validator';
import { AckPolicy, type StoredMsg } from 'nats';
import { Bus, BusError, BusNoRespondersError, type ConsumeDurableOptions, type DeadLetter, type DurableConsumer } from '../src';
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
    await jsm.streams.delete(streamName(namespace, DEAD_LETTER_DOMAIN)).catch(() => false);
    await bus.drain();
  });

  /** `fail` returns true (throw a plain Error) or the error to throw for a value, or nothing to succeed. */
  const consume = async (
    bus: Bus,
    durable: string,
    deliveries: Delivery[],
    fail?: (value: TurnCommitted) => boolean | Error | undefined,
    options: ConsumeDurableOptions = {},
  ) => {
    const consumer = await bus.consumeDurable(
      domain,
      durable,
      committed,
      TurnCommitted,
      async (value, meta) => {
        deliveries.push({ index: value.index, seq: meta.seq, redelivered: meta.redelivered });
        const failure = fail?.(value);
        if (failure) throw failure === true ? new Error('handler failed') : failure;
      },
      { ackWaitMs: 1_000, nakDelayMs: 50, ...options },
    );
    consumers.push(consumer);
    return consumer;
  };

  /** Dead-letter events announced in the namespace, recorded by a subscriber on its own bus. */
  const announced = async (): Promise<MessageDeadLetteredEvent[]> => {
    const events: MessageDeadLetteredEvent[] = [];
    const listener = await open();
    listener.subscribeJson(BusSubjects.messageDeadLettered, MessageDeadLetteredEvent, (event) => {
      events.push(event);
    });
    await listener.connection.flush();
    return events;
  };

  /** The dead letters of one durable, read back from the dead-letter stream. */
  const deadLetters = async (durable: string): Promise<StoredMsg[]> => {
    const jsm = await sut.connection.jetstreamManager();
    const stream = streamName(namespace, DEAD_LETTER_DOMAIN);
    const subject = namespaced(namespace, deadLetterSubject(domain, durable));
    const info = await jsm.streams.info(stream, { subjects_filter: subject }).catch(() => undefined);
    const letters: StoredMsg[] = [];
    if (!info || info.state.messages === 0) return letters;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const letter = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (letter?.subject === subject) letters.push(letter);
    }
    return letters;
  };
  const indexes = (deliveries: Delivery[], index: number) => deliveries.filter((d) => d.index === index);

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

  it('dead-letters an invalid message without delivering it, and handles the next one', async () => {
    const durable = `poison-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    const events = await announced();
    const consumer = await consume(sut, durable, deliveries);

    const invalid = await sut.publishDurable(committed, { turn_id: 'not-a-uuid', index: 1 });
    const valid = await sut.publishDurable(committed, turn(2));

    await expectEventually(() => expect(deliveries).toEqual([{ index: 2, seq: valid.seq, redelivered: false }]));
    await expectEventually(async () => expect(await consumer.info()).toMatchObject({ num_ack_pending: 0, num_pending: 0, num_redelivered: 0 }));
    await expectEventually(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ stream_seq: invalid.seq, deliveries: 1, reason: 'invalid', error: 'turn_id: turn_id must be a UUID' });
    const letters = await deadLetters(durable);
    expect(letters.map((letter) => letter.json())).toEqual([{ turn_id: 'not-a-uuid', index: 1 }]);
    const logged = logger.find('bus durable message dead-lettered');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ reason: 'invalid', problems: ['turn_id: turn_id must be a UUID'] });
  });

  it('dead-letters a message whose handler throws a permanent error at once: stored, announced, logged, never redelivered; the next is handled', async () => {
    const durable = `permanent-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    const counted: DeadLetter[] = [];
    const events = await announced();
    const poison = turn(1);
    const consumer = await consume(
      sut,
      durable,
      deliveries,
      (value) => (value.index === 1 ? new BusError(ErrorCode.ValidationFailed, 'the store refuses this turn') : undefined),
      { onDeadLetter: (letter) => counted.push(letter) },
    );

    const poisoned = await sut.publishDurable(committed, poison);
    const good = await sut.publishDurable(committed, turn(2));

    // In order (concurrency 1): the poisoned turn once, then the good one.
    await expectEventually(() =>
      expect(deliveries).toEqual([
        { index: 1, seq: poisoned.seq, redelivered: false },
        { index: 2, seq: good.seq, redelivered: false },
      ]),
    );
    await expectEventually(async () => expect(await consumer.info()).toMatchObject({ num_ack_pending: 0, num_pending: 0, num_redelivered: 0 }));
    await expectEventually(() => expect(events).toHaveLength(1));
    const dlq = streamName(namespace, DEAD_LETTER_DOMAIN);
    const event = events[0] as MessageDeadLetteredEvent;
    expect(event).toEqual({
      stream: streamName(namespace, domain),
      consumer: durable,
      subject: namespaced(namespace, committed),
      stream_seq: poisoned.seq,
      deliveries: 1,
      reason: 'permanent',
      error: 'the store refuses this turn',
      dead_letter_stream: dlq,
      dead_letter_seq: expect.any(Number),
    });
    const letters = await deadLetters(durable);
    expect(letters).toHaveLength(1);
    const letter = letters[0] as StoredMsg;
    expect(letter.seq).toBe(event.dead_letter_seq);
    expect(letter.json()).toEqual(poison);
    expect(Object.fromEntries([...(letter.header ?? [])].map(([key, values]) => [key.toLowerCase(), values.join(',')]))).toMatchObject({
      'vb-dead-letter-stream': streamName(namespace, domain),
      'vb-dead-letter-consumer': durable,
      'vb-dead-letter-subject': namespaced(namespace, committed),
      'vb-dead-letter-seq': String(poisoned.seq),
      'vb-dead-letter-deliveries': '1',
      'vb-dead-letter-reason': 'permanent',
      'vb-dead-letter-error': 'the store refuses this turn',
    });
    expect(counted).toEqual([expect.objectContaining({ consumer: durable, reason: 'permanent', deliveries: 1 })]);
    const logged = logger.find('bus durable message dead-lettered');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ stream: streamName(namespace, domain), consumer: durable, subject: namespaced(namespace, committed), seq: poisoned.seq });
    // Never the payload: not in the log, not in the event.
    expect(JSON.stringify(logger.entries)).not.toContain(poison.turn_id);
    expect(JSON.stringify(events)).not.toContain(poison.turn_id);
    expect(logger.find('bus durable handler failed; message will be redelivered')).toHaveLength(0);
  });

  it('dead-letters a message still failing after maxDeliver deliveries; the next one is handled', async () => {
    const durable = `exhausted-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    const events = await announced();
    const consumer = await consume(sut, durable, deliveries, (value) => value.index === 1, { maxDeliver: 3, nakDelayMs: 20 });

    const failing = await sut.publishDurable(committed, turn(1));
    const good = await sut.publishDurable(committed, turn(2));

    await expectEventually(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ stream_seq: failing.seq, deliveries: 3, reason: 'max_deliveries', error: 'handler failed' });
    await expectEventually(async () => expect(await consumer.info()).toMatchObject({ num_ack_pending: 0, num_pending: 0 }));
    expect(indexes(deliveries, 1)).toEqual([
      { index: 1, seq: failing.seq, redelivered: false },
      { index: 1, seq: failing.seq, redelivered: true },
      { index: 1, seq: failing.seq, redelivered: true },
    ]);
    expect(indexes(deliveries, 2)).toEqual([{ index: 2, seq: good.seq, redelivered: false }]);
    expect(await deadLetters(durable)).toHaveLength(1);
    expect(logger.find('bus durable handler failed; message will be redelivered')).toHaveLength(2);
    expect(logger.find('bus durable message dead-lettered')).toHaveLength(1);
  });

  it('treats what isPermanent says as permanent, and any other error as transient', async () => {
    const durable = `classified-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    const events = await announced();
    class DataError extends Error {}
    let transientFailures = 0;
    await consume(sut, durable, deliveries, (value) => (value.index === 1 ? new DataError('bad data') : value.index === 2 && transientFailures++ === 0 ? new Error('blip') : undefined), {
      isPermanent: (error) => error instanceof DataError,
    });

    await sut.publishDurable(committed, turn(1));
    await sut.publishDurable(committed, turn(2));

    await expectEventually(() => expect(indexes(deliveries, 2)).toHaveLength(2));
    await expectEventually(() => expect(events.map((e) => [e.reason, e.error])).toEqual([['permanent', 'bad data']]));
    expect(indexes(deliveries, 1)).toHaveLength(1);
  });

  it('dead-letters, without handling it, a message delivered more than maxDeliver times (e.g. by replicas that crashed on it)', async () => {
    const durable = `crashed-${randomUUID().slice(0, 8)}`;
    const deliveries: Delivery[] = [];
    const events = await announced();
    const jsm = await sut.connection.jetstreamManager();
    const stream = streamName(namespace, domain);
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: namespaced(namespace, committed) });
    const crashing = await sut.publishDurable(committed, turn(1));
    // Three deliveries that were never acked, as a replica that dies on the message leaves them.
    const raw = await sut.connection.jetstream().consumers.get(stream, durable);
    for (let delivery = 1; delivery <= 3; delivery++) {
      const m = await raw.next({ expires: 5_000 });
      expect(m?.info.deliveryCount).toBe(delivery);
      m?.nak();
    }

    await consume(sut, durable, deliveries, undefined, { maxDeliver: 3 });
    const good = await sut.publishDurable(committed, turn(2));

    await expectEventually(() => expect(deliveries).toEqual([{ index: 2, seq: good.seq, redelivered: false }]));
    await expectEventually(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ stream_seq: crashing.seq, deliveries: 4, reason: 'max_deliveries' });
  });

  it('refuses to bind a durable to a different filter', async () => {
    const durable = `filter-${randomUUID().slice(0, 8)}`;
    await consume(sut, durable, []);

    const rebind = sut.consumeDurable(domain, durable, eventSubject(domain, 'turn', 'deleted'), TurnCommitted, async () => undefined);

    await expect(rebind).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });
});
