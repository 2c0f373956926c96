import { connect, type NatsConnection, type Subscription } from 'nats';
import { expectEventually, type EventuallyOptions } from './expect-eventually';

export interface TapRecord {
  /** Subject without the namespace, e.g. `voice.v1.<sid>.audio.in`. */
  subject: string;
  /** The stream part after the session id, e.g. `audio.in`. */
  stream: string;
  headers: Record<string, string>;
  sizeBytes: number;
  /** The payload parsed as JSON when it is JSON, else undefined (binary frames). */
  json: unknown;
  payload: Uint8Array;
  /** Milliseconds since the tap started. */
  atMs: number;
}

/**
 * Records everything published on one session's media plane (`<ns>.voice.v1.<sid>.>`), for
 * assertions; `expectEventually` on the tap prints what it saw when the assertion fails.
 */
export class SubjectTap {
  readonly records: TapRecord[] = [];
  private readonly startedAtMs = Date.now();

  private constructor(
    private readonly connection: NatsConnection,
    private readonly subscription: Subscription,
    private readonly prefix: string,
  ) {}

  static async start(natsUrl: string, namespace: string, sessionId: string): Promise<SubjectTap> {
    const connection = await connect({ servers: natsUrl.split(','), name: 'subject-tap' });
    const prefix = `${namespace}.voice.v1.${sessionId}.`;
    const subscription = connection.subscribe(`${prefix}>`);
    const tap = new SubjectTap(connection, subscription, prefix);
    void tap.record();
    await connection.flush();
    return tap;
  }

  private async record(): Promise<void> {
    for await (const message of this.subscription) {
      const headers: Record<string, string> = {};
      for (const [key, values] of message.headers ?? []) headers[key] = values.join(',');
      let json: unknown;
      try {
        json = message.data.byteLength > 0 ? JSON.parse(new TextDecoder().decode(message.data)) : undefined;
      } catch {
        json = undefined; // a binary frame
      }
      this.records.push({
        subject: message.subject.split('.').slice(1).join('.'),
        stream: message.subject.slice(this.prefix.length),
        headers,
        sizeBytes: message.data.byteLength,
        json,
        payload: message.data,
        atMs: Date.now() - this.startedAtMs,
      });
    }
  }

  /** Records of one stream (`audio.out`, `transcript`, ...). */
  on(stream: string): TapRecord[] {
    return this.records.filter((r) => r.stream === stream);
  }

  /** What the tap saw, one line per message (frames summarised), for failure messages. */
  dump(limit = 200): string {
    const lines = this.records.slice(-limit).map((r) => {
      const body = r.json === undefined ? `<${r.sizeBytes} bytes>` : JSON.stringify(r.json).slice(0, 160);
      const headers = Object.keys(r.headers).length > 0 ? ` ${JSON.stringify(r.headers)}` : '';
      return `  +${r.atMs}ms ${r.stream}${headers} ${body}`;
    });
    const skipped = this.records.length > limit ? `  (${this.records.length - limit} earlier messages not shown)\n` : '';
    return `subject tap on ${this.prefix}> saw ${this.records.length} messages:\n${skipped}${lines.join('\n')}`;
  }

  /** expectEventually that prints this tap's recording when it fails. */
  expectEventually<T>(assertion: () => T | Promise<T>, options: Omit<EventuallyOptions, 'context'> = {}): Promise<T> {
    return expectEventually(assertion, { ...options, context: () => this.dump() });
  }

  async stop(): Promise<void> {
    this.subscription.unsubscribe();
    await this.connection.drain();
  }
}
