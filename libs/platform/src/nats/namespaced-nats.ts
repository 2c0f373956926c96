import { ClientNats, ServerNats, type NatsOptions, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { assertNamespace } from '@voxbridge/contracts';

type NatsTransportOptions = NonNullable<NatsOptions['options']>;
type NatsClientLike = {
  subscribe(subject: string, options: { queue?: string; callback: (error: unknown, message: unknown) => void }): unknown;
};

/**
 * Nest's NATS transport with the fleet namespace in front of every pattern: handlers declare
 * `@MessagePattern('agents.v1.agent.get')` (built in libs/contracts) and listen on
 * `<namespace>.agents.v1.agent.get`, in the service's queue group.
 */
export class NamespacedNatsServer extends ServerNats {
  private readonly namespace: string;
  private readonly queue: string | undefined;

  constructor(namespace: string, options: NatsTransportOptions) {
    super(options);
    this.namespace = assertNamespace(namespace);
    this.queue = options.queue;
  }

  override bindEvents(client: NatsClientLike): void {
    const defaultQueue = this.queue;
    for (const [pattern, handler] of this.messageHandlers) {
      const queue = (handler.extras?.['queue'] as string | undefined) ?? defaultQueue;
      const subscription = client.subscribe(`${this.namespace}.${pattern}`, {
        queue,
        callback: this.getMessageHandler(pattern).bind(this),
      });
      (this as unknown as { subscriptions: unknown[] }).subscriptions.push(subscription);
    }
  }
}

/** Nest's NATS client proxy sending to `<namespace>.<pattern>`. */
export class NamespacedNatsClient extends ClientNats {
  private readonly namespace: string;

  constructor(namespace: string, options: NatsTransportOptions) {
    super(options);
    this.namespace = assertNamespace(namespace);
  }

  protected override publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    return super.publish({ ...packet, pattern: `${this.namespace}.${this.normalizePattern(packet.pattern)}` }, callback);
  }

  protected override dispatchEvent(packet: ReadPacket): Promise<unknown> {
    return super.dispatchEvent({ ...packet, pattern: `${this.namespace}.${this.normalizePattern(packet.pattern)}` });
  }
}
