import {
  allDeadLetters,
  BusSubjects,
  DEAD_LETTER_DOMAIN,
  deadLetterSubject,
  ErrorCode,
  streamName,
  type DeadLetterReason,
  type MessageDeadLetteredEvent,
  type Subject,
} from '@voxbridge/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  ErrorCode as NatsErrorCode,
  headers,
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

/** What `onDeadLetter` gets: the `BusSubjects.messageDeadLettered` event (never the payload). */
export type DeadLetter = MessageDeadLetteredEvent;

/** Headers of a message on the dead-letter stream (its data is the original payload, unchanged). */
export const DEAD_LETTER_HEADERS = {
  stream: 'Vb-Dead-Letter-Stream',
  consumer: 'Vb-Dead-Letter-Consumer',
  subject: 'Vb-Dead-Letter-Subject',
  seq: 'Vb-Dead-Letter-Seq',
  deliveries: 'Vb-Dead-Letter-Deliveries',
  reason: 'Vb-Dead-Letter-Reason',
  error: 'Vb-Dead-Letter-Error',
} as const;

export interface ConsumeDurableOptions {
  /** Unacked messages are redelivered after this long (server default 30 s). */
  ackWaitMs?: number;
  /**
   * Deliveries of one message at most (default 5): a handler still failing on the last one, or a
   * delivery past it (replicas that died on it), sends the message to the dead-letter stream.
   * Counted here, not by the server: a server-side `max_deliver` stops delivering silently and
   * leaves the message unacked, where nobody would see it.
   */
  maxDeliver?: number;
  /** Delay before the first redelivery of a message whose handler threw; doubled on each further one, up to 30 s (default 1000 ms). */
  nakDelayMs?: number;
  /**
   * Failures redelivery cannot fix (bad data, a violated constraint): the message is dead-lettered
   * at once. Errors carrying a client-fault code (`validation_failed`, `not_found`, `conflict`, …)
   * always are; anything else is retried until `maxDeliver`.
   */
  isPermanent?: (error: unknown) => boolean;
  /** Called once for each message dead-lettered, after it is stored (e.g. to count it on /metrics). */
  onDeadLetter?: (letter: DeadLetter) => void;
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
const MAX_NAK_DELAY_MS = 30_000;
const DEFAULT_MAX_DELIVER = 5;
const MAX_ERROR_CHARS = 1_000;

/** Codes that say the message itself is wrong: the same message will fail the same way again. */
const PERMANENT_CODES = new Set<string>([
  ErrorCode.ValidationFailed,
  ErrorCode.NotFound,
  ErrorCode.Conflict,
  ErrorCode.Unauthorized,
  ErrorCode.Forbidden,
  ErrorCode.PayloadTooLarge,
  ErrorCode.EncryptionKeyMissing,
]);

function hasPermanentCode(error: unknown): boolean {
  return error instanceof BusError && PERMANENT_CODES.has(error.code);
}

/** An error's message, one line, bounded: what the dead letter's header, log and event carry. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // eslint-disable-next-line no-control-regex -- header values must not hold CR, LF or other controls
  return message.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_ERROR_CHARS);
}

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
    // Unlimited on the server: deliveries are counted here, and the last one is dead-lettered.
    max_deliver: -1,
    ...(options.ackWaitMs !== undefined ? { ack_wait: nanos(options.ackWaitMs) } : {}),
  });
  const deadLetterStream = await ensureStream(scope, DEAD_LETTER_DOMAIN, [allDeadLetters()]);
  const deadLetterWire = scope.wire(deadLetterSubject(domain, durableName));
  const consumer = await scope.nc.jetstream().consumers.get(stream, durableName);
  const messages = await consumer.consume();
  const nakDelayMs = options.nakDelayMs ?? DEFAULT_NAK_DELAY_MS;
  const maxDeliver = Math.max(1, Math.floor(options.maxDeliver ?? DEFAULT_MAX_DELIVER));
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const where = { stream, consumer: durableName };
  const retryDelayMs = (deliveries: number) => Math.min(nakDelayMs * 2 ** Math.max(0, deliveries - 1), MAX_NAK_DELAY_MS);

  /**
   * Stores the message on the dead-letter stream (payload unchanged, where and why in headers),
   * then terminates it here, logs it once and announces it. If it cannot be stored it is
   * redelivered, so nothing is dropped unseen. The msgId makes a second attempt a no-op.
   */
  const deadLetter = async (m: JsMsg, reason: DeadLetterReason, error: string, logFields: Record<string, unknown>) => {
    const deliveries = m.info.deliveryCount;
    const letterHeaders = headers();
    letterHeaders.set(DEAD_LETTER_HEADERS.stream, stream);
    letterHeaders.set(DEAD_LETTER_HEADERS.consumer, durableName);
    letterHeaders.set(DEAD_LETTER_HEADERS.subject, m.subject);
    letterHeaders.set(DEAD_LETTER_HEADERS.seq, String(m.seq));
    letterHeaders.set(DEAD_LETTER_HEADERS.deliveries, String(deliveries));
    letterHeaders.set(DEAD_LETTER_HEADERS.reason, reason);
    letterHeaders.set(DEAD_LETTER_HEADERS.error, error);
    let deadLetterSeq: number;
    try {
      const ack = await scope.nc.jetstream().publish(deadLetterWire, m.data, { headers: letterHeaders, msgID: `${stream}.${durableName}.${m.seq}` });
      deadLetterSeq = ack.seq;
    } catch (publishError) {
      scope.logger.error('bus dead-letter publish failed; message will be redelivered', { ...where, subject: m.subject, seq: m.seq, ...errorFields(publishError) });
      m.nak(retryDelayMs(deliveries));
      return;
    }
    m.term();
    const letter: DeadLetter = {
      stream,
      consumer: durableName,
      subject: m.subject,
      stream_seq: m.seq,
      deliveries,
      reason,
      error,
      dead_letter_stream: deadLetterStream,
      dead_letter_seq: deadLetterSeq,
    };
    scope.logger.error('bus durable message dead-lettered', { ...where, subject: m.subject, seq: m.seq, deliveries, reason, dead_letter_seq: deadLetterSeq, ...logFields });
    scope.nc.publish(scope.wire(BusSubjects.messageDeadLettered), encodeJson(letter));
    options.onDeadLetter?.(letter);
  };

  const handleOne = async (m: JsMsg) => {
    const deliveries = m.info.deliveryCount;
    if (deliveries > maxDeliver) {
      await deadLetter(m, 'max_deliveries', `delivered ${deliveries} times, more than ${maxDeliver}`, {});
      return;
    }
    const decoded = decodeJson(m.data, type);
    if (!decoded.ok) {
      // Redelivery cannot fix a bad payload.
      await deadLetter(m, 'invalid', describeError(decoded.problems.join('; ')), { type: type.name, problems: decoded.problems });
      return;
    }
    try {
      await handler(decoded.value, { seq: m.seq, redelivered: m.redelivered });
      m.ack();
    } catch (error) {
      if (hasPermanentCode(error) || options.isPermanent?.(error)) {
        await deadLetter(m, 'permanent', describeError(error), errorFields(error));
      } else if (deliveries >= maxDeliver) {
        await deadLetter(m, 'max_deliveries', describeError(error), errorFields(error));
      } else {
        scope.logger.error('bus durable handler failed; message will be redelivered', { ...where, seq: m.seq, deliveries, ...errorFields(error) });
        m.nak(retryDelayMs(deliveries));
      }
    }
  };

  const loop = (async () => {
    try {
      const inflight = new Set<Promise<void>>();
      for await (const m of messages) {
        // A failure here (the connection closing under an ack) must not end the loop: the server redelivers.
        const handled: Promise<void> = handleOne(m)
          .catch((error: unknown) => scope.logger.error('bus durable message handling failed', { ...where, seq: m.seq, ...errorFields(error) }))
          .finally(() => inflight.delete(handled));
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
