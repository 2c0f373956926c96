import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { queueGroup, SessionContracts, type AppendMessageRequest, type MessageDto } from '@voxbridge/contracts';
import { MessagesError, messagesErrorToBus } from './messages.errors';
import { MessagesService } from './messages.service';

/** Bus edge of the messages feature: list and append (the role is checked by the request class). */
@Injectable()
export class MessagesHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly messages: MessagesService,
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'session-store');
    this.subscriptions = [
      this.bus.serve(SessionContracts.listMessages, async (req) => ({ items: await edge(() => this.messages.list(req.session_id, req.limit)) }), { queue }),
      this.bus.serve(SessionContracts.appendMessage, (req) => this.append(req), { queue }),
    ];
  }

  onApplicationShutdown(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
  }

  private append(req: AppendMessageRequest): Promise<MessageDto> {
    return edge(() => this.messages.append(req.session_id, { role: req.role, content: req.content, speaker: req.speaker }));
  }
}

async function edge<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof MessagesError ? messagesErrorToBus(error) : error;
  }
}
