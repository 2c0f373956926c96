import { assertNamespace, ErrorCode, namespaced, type ErrorBody, type RequestContract, type Subject } from '@voxbridge/contracts';
import {
  connect,
  createInbox,
  DebugEvents,
  ErrorCode as NatsErrorCode,
  Events,
  headers,
  NatsError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from 'nats';
import {
  BusError,
  BusNoRespondersError,
  BusTimeoutError,
  BusValidationError,
  ERROR_HEADER,
  fromErrorReply,
  toErrorReply,
} from './errors';
import { decodeFrameHeaders, encodeFrameHeaders, type Frame, type FrameMeta } from './frames';
import {
  consumeDurable,
  ensureStream,
  publishDurable,
  type ConsumeDurableOptions,
  type DurableConsumer,
  type DurableHandler,
  type JetStreamScope,
  type PublishAck,
} from './jetstream';
import { decodeJson, encodeJson, parseJson, validateAs } from './json';
import { errorFields, stderrLogger, type BusLogger } from './logger';

export interface BusOptions {
  servers: string | string[];
  /** Fleet namespace put in front of every subject (`vb`). */
  namespace: string;
  /** Connection name shown by the server (`agent-api/<instance>`). */
  name: string;
  logger?: BusLogger;
  /** Credentials, when the NATS server requires them. */
  user?: string;
  pass?: string;
}

export interface BusSubscription {
  unsubscribe(): void;
  /** Resolves once no more messages will be handled (in-flight handlers included). */
  readonly closed: Promise<void>;
}

export interface JsonContext {
  /** Subject without the fleet namespace. */
  subject: string;
  headers?: MsgHdrs;
}

export interface GatherOptions<T> {
  maxWaitMs: number;
  /** How long to keep collecting after `until` first holds (default 0). */
  graceMs?: number;
  until?: (replies: T[]) => boolean;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const RECONNECT_WAIT_MS = 1_000;
const RECONNECT_JITTER_MS = 500;

interface Tracked {
  sub: Subscription;
  closed: Promise<void>;
}

/**
 * The media plane over one NATS connection: binary frames with headers, validated JSON, request /
 * reply with typed failures, scatter-gather and JetStream durables. Every subject it touches gets
 * the fleet namespace in front, so callers pass the namespace-free subjects of libs/contracts.
 */
export class Bus {
  private connected = true;
  private readonly connectionListeners = new Set<(connected: boolean) => void>();
  private draining?: Promise<void>;
  private readonly subscriptions = new Set<Tracked>();
  private readonly consumers = new Set<DurableConsumer>();
  private readonly jetStream: JetStreamScope;

  private constructor(
    readonly connection: NatsConnection,
    readonly namespace: string,
    private readonly logger: BusLogger,
    /** Who answers (the connection name without its instance): named in `database_unavailable` replies. */
    private readonly origin?: string,
  ) {
    this.jetStream = { nc: connection, namespace, logger, wire: (subject) => this.wire(subject) };
  }

  /** Connects (failing fast if NATS is not there now), then reconnects forever. */
  static async connect(options: BusOptions): Promise<Bus> {
    const namespace = assertNamespace(options.namespace);
    const logger = options.logger ?? stderrLogger;
    const nc = await connect({
      servers: options.servers,
      name: options.name,
      ...(options.user !== undefined ? { user: options.user, pass: options.pass } : {}),
      maxReconnectAttempts: -1,
      reconnectTimeWait: RECONNECT_WAIT_MS,
      reconnectJitter: RECONNECT_JITTER_MS,
    });
    const bus = new Bus(nc, namespace, logger, options.name?.split('/')[0]);
    bus.watchStatus().catch((error: unknown) => logger.error('bus status watcher failed', errorFields(error)));
    return bus;
  }

  /**
   * Tells `listener` each time the connection to NATS is lost (false) or back (true); returns the
   * function that stops telling it.
   */
  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** For readiness probes: connected and not shutting down. */
  isConnected(): boolean {
    return this.connected && !this.connection.isClosed() && !this.connection.isDraining();
  }

  // ---- media plane -------------------------------------------------------------------------------

  /** Raw bytes with seq / timestamp / turn id headers; never wrapped in JSON. */
  publishFrame(subject: Subject, payload: Uint8Array, meta: FrameMeta): void {
    this.connection.publish(this.wire(subject), payload, { headers: encodeFrameHeaders(meta) });
  }

  /** Frames in arrival order, one handler call at a time; frames with bad headers are dropped. */
  subscribeFrames(subject: Subject, handler: (frame: Frame) => void | Promise<void>): BusSubscription {
    const sub = this.connection.subscribe(this.wire(subject));
    return this.pump(sub, async (msg) => {
      const decoded = decodeFrameHeaders(msg.headers);
      if (!decoded.ok) {
        this.logger.warn('bus frame dropped: bad media headers', { subject: msg.subject, problem: decoded.problem });
        return;
      }
      await handler({ subject: this.unwire(msg.subject), payload: msg.data, ...decoded.meta });
    });
  }

  // ---- typed JSON --------------------------------------------------------------------------------

  publishJson(subject: Subject, value: object): void {
    this.connection.publish(this.wire(subject), encodeJson(value));
  }

  /**
   * Validated messages in arrival order. Invalid ones are logged, never delivered, and answered
   * with a `validation_failed` error reply when the sender waits for one. `wanted`: when it returns
   * false, a message is dropped before it is even decoded (a relay with nobody to relay to).
   */
  subscribeJson<T extends object>(
    subject: Subject,
    type: new () => T,
    handler: (value: T, ctx: JsonContext) => void | Promise<void>,
    options: { queue?: string; wanted?: () => boolean } = {},
  ): BusSubscription {
    const sub = this.connection.subscribe(this.wire(subject), { queue: options.queue });
    const { wanted } = options;
    return this.pump(sub, async (msg) => {
      if (wanted && !wanted()) return;
      const value = this.decodeOrReject(msg, type);
      if (!value) return;
      try {
        await handler(value, { subject: this.unwire(msg.subject), headers: msg.headers });
      } catch (error) {
        this.replyError(msg, error);
      }
    });
  }

  /**
   * Request/reply server: each request handled concurrently; the result goes back as JSON, a
   * failure as an error reply (`Vb-Error` header + `{error: {code, message, fields?}}`).
   */
  serveJson<Req extends object, Res>(
    subject: Subject,
    type: new () => Req,
    handler: (req: Req) => Res | Promise<Res>,
    options: { queue?: string } = {},
  ): BusSubscription {
    const inflight = new Set<Promise<void>>();
    const sub = this.connection.subscribe(this.wire(subject), {
      queue: options.queue,
      callback: (error, msg) => {
        if (error) {
          this.logger.error('bus subscription error', { subject: sub.getSubject(), ...errorFields(error) });
          return;
        }
        const work = this.serveOne(msg, type, handler).finally(() => inflight.delete(work));
        inflight.add(work);
      },
    });
    const closed = sub.closed
      .catch((error: unknown) => this.logger.error('bus subscription closed on error', { subject: sub.getSubject(), ...errorFields(error) }))
      .then(() => Promise.allSettled([...inflight]))
      .then(() => undefined);
    return this.track(sub, closed);
  }

  /**
   * One request, one typed answer. Throws BusNoRespondersError, BusTimeoutError, BusRemoteError
   * (error reply) or BusValidationError (reply is not a valid `responseType`; properties it does
   * not declare are dropped, not refused).
   */
  async requestJson<Res extends object>(
    subject: Subject,
    body: object,
    options: { timeoutMs?: number; responseType?: new () => Res } = {},
  ): Promise<Res> {
    const wire = this.wire(subject);
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let reply: Msg;
    try {
      reply = await this.connection.request(wire, encodeJson(body), { timeout: timeoutMs });
    } catch (error) {
      throw this.requestFailure(error, subject, timeoutMs);
    }
    const parsed = parseJson(reply.data);
    if (reply.headers?.has(ERROR_HEADER)) {
      throw fromErrorReply(reply.headers.get(ERROR_HEADER), parsed.ok ? parsed.value : undefined);
    }
    if (!parsed.ok) throw new BusValidationError(`reply on ${subject} is invalid`, ['body is not valid JSON']);
    if (!options.responseType) return parsed.value as Res;
    const decoded = validateAs(parsed.value, options.responseType, 'strip');
    if (!decoded.ok) {
      throw new BusValidationError(`reply on ${subject} is not a valid ${options.responseType.name}`, decoded.problems, decoded.fields);
    }
    return decoded.value;
  }

  /**
   * A contract's call: the request is checked against its class before it leaves (a caller's bug
   * is a BusValidationError here, not a refusal there), the reply against its class on return, and
   * the contract's timeout applies.
   */
  async call<Req extends object, Res extends object>(contract: RequestContract<Req, Res>, body: Req): Promise<Res> {
    const checked = validateAs(body, contract.request);
    if (!checked.ok) {
      throw new BusValidationError(`request on ${contract.subject} is not a valid ${contract.request.name}`, checked.problems, checked.fields);
    }
    return this.requestJson(contract.subject, body, { timeoutMs: contract.timeoutMs, responseType: contract.reply });
  }

  /** Serves a contract: requests validated as its request class, replies as its reply class before they are sent. */
  serve<Req extends object, Res extends object>(
    contract: RequestContract<Req, Res>,
    handler: (req: Req) => Res | Promise<Res>,
    options: { queue?: string } = {},
  ): BusSubscription {
    return this.serveJson(
      contract.subject,
      contract.request,
      async (req) => {
        const reply = await handler(req);
        const checked = validateAs(reply, contract.reply);
        if (!checked.ok) throw new Error(`reply on ${contract.subject} is not a valid ${contract.reply.name}: ${checked.problems.join('; ')}`);
        return reply;
      },
      options,
    );
  }

  /**
   * Scatter-gather to every subscriber (no queue group): valid replies that arrive within
   * `maxWaitMs`, or until `graceMs` after `until(replies)` first holds. Missing or bad replies never reject.
   */
  gather<T extends object>(subject: Subject, body: object, type: new () => T, options: GatherOptions<T>): Promise<T[]> {
    const replies: T[] = [];
    const inbox = createInbox();
    return new Promise<T[]>((resolve) => {
      let graceTimer: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(maxTimer);
        clearTimeout(graceTimer);
        sub.unsubscribe();
        resolve(replies);
      };
      const maxTimer = setTimeout(finish, options.maxWaitMs);
      const sub = this.connection.subscribe(inbox, {
        callback: (error, msg) => {
          if (finished) return;
          if (error) {
            this.logger.warn('bus gather inbox error', { subject, ...errorFields(error) });
            return;
          }
          if (msg.headers?.code === 503) return finish(); // nobody subscribed: no reply will come
          if (msg.headers?.has(ERROR_HEADER)) {
            this.logger.warn('bus gather skipped an error reply', { subject, code: msg.headers.get(ERROR_HEADER) });
            return;
          }
          const decoded = decodeJson(msg.data, type);
          if (!decoded.ok) {
            this.logger.warn('bus gather skipped an invalid reply', { subject, type: type.name, problems: decoded.problems });
            return;
          }
          replies.push(decoded.value);
          if (graceTimer === undefined && options.until?.(replies)) graceTimer = setTimeout(finish, options.graceMs ?? 0);
        },
      });
      this.connection.publish(this.wire(subject), encodeJson(body), { reply: inbox });
    });
  }

  // ---- JetStream ---------------------------------------------------------------------------------

  /** Creates or updates the file-backed stream `streamName(ns, domain)` over the given subjects. */
  ensureStream(domain: string, subjects: Subject[]): Promise<string> {
    return ensureStream(this.jetStream, domain, subjects);
  }

  /** Publishes to JetStream and waits for the stream's ack; `msgId` makes retries idempotent. */
  publishDurable(subject: Subject, value: object, options: { msgId?: string } = {}): Promise<PublishAck> {
    return publishDurable(this.jetStream, subject, value, options);
  }

  /**
   * Creates or binds the durable pull consumer `durableName` on the domain's stream and handles its
   * messages one at a time: success → ack, throw → nak (redelivered), invalid → term.
   */
  async consumeDurable<T extends object>(
    domain: string,
    durableName: string,
    filter: Subject,
    type: new () => T,
    handler: DurableHandler<T>,
    options: ConsumeDurableOptions = {},
  ): Promise<DurableConsumer> {
    const consumer = await consumeDurable(this.jetStream, domain, durableName, filter, type, handler, options);
    this.consumers.add(consumer);
    return {
      stream: consumer.stream,
      name: consumer.name,
      info: () => consumer.info(),
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.stop();
      },
    };
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** Stops consumers, lets every subscription finish what it received, flushes and closes. */
  drain(): Promise<void> {
    this.draining ??= this.drainOnce();
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    this.consumers.clear();
    const tracked = [...this.subscriptions];
    await Promise.all(
      tracked.map(async ({ sub, closed }) => {
        if (!sub.isClosed() && !this.connection.isClosed()) {
          await sub.drain().catch((error: unknown) => this.logger.warn('bus subscription drain failed', errorFields(error)));
        }
        await closed;
      }),
    );
    if (!this.connection.isClosed()) await this.connection.drain();
    this.connected = false;
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      switch (status.type) {
        case Events.Disconnect:
          this.connected = false;
          this.logger.warn('bus disconnected from NATS', { server: status.data });
          this.connectionListeners.forEach((listener) => listener(false));
          break;
        case Events.Reconnect:
          this.connected = true;
          this.logger.warn('bus reconnected to NATS', { server: status.data });
          this.connectionListeners.forEach((listener) => listener(true));
          break;
        case Events.Error:
          this.logger.error('bus async error from NATS', { detail: String(status.data) });
          break;
        case Events.LDM:
          this.logger.warn('bus server entering lame duck mode', { server: status.data });
          break;
        case DebugEvents.Reconnecting:
          this.logger.debug?.('bus reconnecting to NATS', { attempt: status.data });
          break;
        default:
          break;
      }
    }
  }

  // ---- internals ---------------------------------------------------------------------------------

  private wire(subject: Subject): string {
    return namespaced(this.namespace, subject);
  }

  /** The subject as libs/contracts built it: the wire subject minus the fleet namespace. */
  private unwire(wireSubject: string): Subject {
    const prefix = `${this.namespace}.`;
    return (wireSubject.startsWith(prefix) ? wireSubject.slice(prefix.length) : wireSubject) as Subject;
  }

  private track(sub: Subscription, closed: Promise<void>): BusSubscription {
    const tracked: Tracked = { sub, closed };
    this.subscriptions.add(tracked);
    void closed.finally(() => this.subscriptions.delete(tracked));
    return { unsubscribe: () => sub.unsubscribe(), closed };
  }

  /** Handles a subscription's messages one at a time, in order; a failing handler is logged only. */
  private pump(sub: Subscription, handle: (msg: Msg) => Promise<void>): BusSubscription {
    const run = async () => {
      try {
        for await (const msg of sub) {
          try {
            await handle(msg);
          } catch (error) {
            this.logger.error('bus handler failed', { subject: msg.subject, ...errorFields(error) });
          }
        }
      } catch (error) {
        this.logger.error('bus subscription closed on error', { subject: sub.getSubject(), ...errorFields(error) });
      }
    };
    return this.track(sub, run());
  }

  /** The valid instance, or undefined after logging (and answering) the rejection. */
  private decodeOrReject<T extends object>(msg: Msg, type: new () => T): T | undefined {
    const decoded = decodeJson(msg.data, type);
    if (decoded.ok) return decoded.value;
    this.logger.warn('bus message rejected: validation failed', { subject: msg.subject, type: type.name, problems: decoded.problems });
    const body: ErrorBody = {
      error: { code: ErrorCode.ValidationFailed, message: `invalid ${type.name}: ${decoded.problems.join('; ')}`, fields: decoded.fields },
    };
    this.respondError(msg, body);
    return undefined;
  }

  private async serveOne<Req extends object, Res>(msg: Msg, type: new () => Req, handler: (req: Req) => Res | Promise<Res>): Promise<void> {
    const value = this.decodeOrReject(msg, type);
    if (!value) return;
    try {
      const result = await handler(value);
      if (msg.reply) msg.respond(encodeJson(result));
    } catch (error) {
      this.replyError(msg, error);
    }
  }

  /** Maps a handler failure to an error reply; unexpected errors are logged once, with the reply's id. */
  private replyError(msg: Msg, error: unknown): void {
    const { body, unexpected } = toErrorReply(error, this.origin);
    if (unexpected) {
      this.logger.error('bus handler failed', { subject: msg.subject, request_id: body.error.request_id, ...errorFields(error) });
    } else {
      this.logger.warn('bus handler refused the message', { subject: msg.subject, code: body.error.code });
    }
    this.respondError(msg, body);
  }

  private respondError(msg: Msg, body: ErrorBody): void {
    if (!msg.reply) return;
    const h = headers();
    h.set(ERROR_HEADER, body.error.code);
    msg.respond(encodeJson(body), { headers: h });
  }

  private requestFailure(error: unknown, subject: Subject, timeoutMs: number): Error {
    if (error instanceof NatsError) {
      if (error.code === NatsErrorCode.NoResponders) return new BusNoRespondersError(subject, { cause: error });
      if (error.code === NatsErrorCode.Timeout) return new BusTimeoutError(subject, timeoutMs, { cause: error });
    }
    return new BusError(ErrorCode.Unavailable, `request on ${subject} failed`, { cause: error });
  }
}
