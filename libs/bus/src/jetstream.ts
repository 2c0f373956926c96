import { ErrorCode, streamName, type Subject } from '@voxbridge/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  ErrorCode as NatsErrorCode,
  nanos,
  NatsError,
  StorageType,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerUpdateConfig,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StreamInfo,
} from 'nats';
import { BusError, BusNoRespondersError } from './errors';
import { decodeJson, encodeJson } from './json';
import { errorFields, type BusLogger } from './logger';

/** What the JetStream helpers need from the Bus. */
export interface JetStreamScope {
  nc: NatsConnection;
  namespace: string;
  logger: BusLogger;
  wire(subject: Subject): string;
}

export interface PublishAck {
  stream: string;
  seq: number;
  /** True when the stream had already stored a message with this msgId (nothing was added). */
  duplicate: boolean;
}

export interface ConsumeDurableOptions {
  /** Unacked messages are redelivered after this long (server default 30 s). */
  ackWaitMs?: number;
  /** Deliveries before the server gives up on a message (server default: unlimited). */
  maxDeliver?: number;
  /** Delay before a message whose handler threw is redelivered (default 1000 ms). */
  nakDelayMs?: number;
  /**
   * Handlers running at once (default 1: strictly in order). Above 1, messages are acked as each
   * handler finishes, so use it only when handlers are idempotent and order-independent.
   */
  concurrency?: number;
}

export type DurableHandler<T> = (value: T, meta: { seq: number; redelivered: boolean }) => Promise<void>;

export interface DurableConsumer {
  readonly stream: string;
  readonly name: string;
  /** Server-side state (pending, ack pending, redelivered). */
  info(): Promise<ConsumerInfo>;
  /** Stops pulling and waits for the message in hand; the durable stays on the server. */
  stop(): Promise<void>;
}

// JetStream API error codes of nats-server (server/errors.json).
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const DURABLE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const DEFAULT_NAK_DELAY_MS = 1_000;

function isApiError(error: unknown, errCode: number): boolean {
  return error instanceof NatsError && error.api_error?.err_code === errCode;
}

async function findStream(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (isApiError(error, STREAM_NOT_FOUND)) return null;
    throw error;
  }
}

async function findConsumer(jsm: JetStreamManager, stream: string, name: string): Promise<ConsumerInfo | null> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (isApiError(error, CONSUMER_NOT_FOUND)) return null;
    throw error;
  }
}

function sameSet(a: readonly string[] | undefined, b: readonly string[]): boolean {
  const left = new Set(a ?? []);
  return left.size === new Set(b).size && b.every((item) => left.has(item));
}

export async function ensureStream(scope: JetStreamScope, domain: string, subjects: Subject[]): Promise<string> {
  const name = streamName(scope.namespace, domain);
  const wanted = subjects.map((subject) => scope.wire(subject));
  const jsm = await scope.nc.jetstreamManager();
  let existing = await findStream(jsm, name);
  if (!existing) {
    try {
      await jsm.streams.add({ name, subjects: wanted, storage: StorageType.File });
      return name;
    } catch (error) {
      // Another replica may have created it meanwhile; then it is updated below like any existing one.
      existing = await findStream(jsm, name);
      if (!existing) throw error;
    }
  }
  if (existing.config.storage !== StorageType.File) {
    scope.logger.warn('bus stream is not file-backed; storage cannot be changed by update', { stream: name });
  }
  if (!sameSet(existing.config.subjects, wanted)) await jsm.streams.update(name, { subjects: wanted });
  return name;
}

export async function publishDurable(
  scope: JetStreamScope,
  subject: Subject,
  value: object,
  options: { msgId?: string },
): Promise<PublishAck> {
  const js = scope.nc.jetstream();
  try {
    const ack = await js.publish(scope.wire(subject), encodeJson(value), options.msgId ? { msgID: options.msgId } : undefined);
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (error) {
    // No stream captures the subject: nothing stored it, so the caller must know.
    if (error instanceof NatsError && error.code === NatsErrorCode.NoResponders) throw new BusNoRespondersError(subject, { cause: error });
    throw error;
  }
}

async function createOrBind(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string; filter_subject: string },
): Promise<void> {
  let existing = await findConsumer(jsm, stream, config.durable_name);
  if (!existing) {
    try {
      await jsm.consumers.add(stream, config);
      return;
    } catch (error) {
      existing = await findConsumer(jsm, stream, config.durable_name);
      if (!existing) throw error;
    }
  }
  if (existing.config.filter_subject !== config.filter_subject) {
    throw new BusError(
      ErrorCode.Conflict,
      `durable ${config.durable_name} on ${stream} filters ${existing.config.filter_subject ?? '(nothing)'}, not ${config.filter_subject}`,
    );
  }
  const update: Partial<ConsumerUpdateConfig> = {};
  if (config.ack_wait !== undefined && existing.config.ack_wait !== config.ack_wait) update.ack_wait = config.ack_wait;
  if (config.max_deliver !== undefined && existing.config.max_deliver !== config.max_deliver) update.max_deliver = config.max_deliver;
  if (Object.keys(update).length > 0) await jsm.consumers.update(stream, config.durable_name, update);
}

export async function consumeDurable<T extends object>(
  scope: JetStreamScope,
  domain: string,
  durableName: string,
  filter: Subject,
  type: new () => T,
  handler: DurableHandler<T>,
  options: ConsumeDurableOptions,
): Promise<DurableConsumer> {
  if (!DURABLE_NAME.test(durableName)) {
    throw new BusError(ErrorCode.ValidationFailed, `durable name must match ${DURABLE_NAME}, got ${JSON.stringify(durableName)}`);
  }
  const stream = streamName(scope.namespace, domain);
  const jsm = await scope.nc.jetstreamManager();
  await createOrBind(jsm, stream, {
    durable_name: durableName,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: scope.wire(filter),
    ...(options.ackWaitMs !== undefined ? { ack_wait: nanos(options.ackWaitMs) } : {}),
    ...(options.maxDeliver !== undefined ? { max_deliver: options.maxDeliver } : {}),
  });
  const consumer = await scope.nc.jetstream().consumers.get(stream, durableName);
  const messages = await consumer.consume();
  const nakDelayMs = options.nakDelayMs ?? DEFAULT_NAK_DELAY_MS;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const where = { stream, consumer: durableName };

  const handleOne = async (m: JsMsg) => {
    const decoded = decodeJson(m.data, type);
    if (!decoded.ok) {
      // Redelivery cannot fix a bad payload: terminate it so it never blocks the consumer.
      scope.logger.warn('bus durable message rejected: validation failed; terminated', {
        ...where,
        seq: m.seq,
        type: type.name,
        problems: decoded.problems,
      });
      m.term();
      return;
    }
    try {
      await handler(decoded.value, { seq: m.seq, redelivered: m.redelivered });
      m.ack();
    } catch (error) {
      scope.logger.error('bus durable handler failed; message will be redelivered', { ...where, seq: m.seq, ...errorFields(error) });
      m.nak(nakDelayMs);
    }
  };

  const loop = (async () => {
    try {
      const inflight = new Set<Promise<void>>();
      for await (const m of messages) {
        const handled: Promise<void> = handleOne(m).finally(() => inflight.delete(handled));
        inflight.add(handled);
        if (inflight.size >= concurrency) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    } catch (error) {
      scope.logger.error('bus durable consumer stopped on error', { ...where, ...errorFields(error) });
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    stream,
    name: durableName,
    info: () => consumer.info(),
    stop: () => {
      stopping ??= (async () => {
        const closed = await messages.close();
        if (closed instanceof Error) scope.logger.warn('bus durable consumer closed with error', { ...where, ...errorFields(closed) });
        await loop;
      })();
      return stopping;
    },
  };
}
