import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { queueGroup, SessionContracts, SessionSubjects, TurnRecordedEvent, type HistoryDto, type HistoryRequest } from '@voxbridge/contracts';
import { HistoryError, historyErrorToBus } from './history.errors';
import { HistoryService } from './history.service';

/**
 * Bus edge of history: serves it in the queue group, and listens to every `turnRecorded` (no queue
 * group, so each replica hears turns written by the others) to drop its cached copy.
 */
@Injectable()
export class HistoryHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly history: HistoryService,
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'session-store');
    this.subscriptions = [
      this.bus.serve(SessionContracts.history, (req) => this.serve(req), { queue }),
      this.bus.subscribeJson(SessionSubjects.turnRecorded, TurnRecordedEvent, (event) => this.history.invalidate(event.session_id)),
    ];
  }

  onApplicationShutdown(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
  }

  private async serve(req: HistoryRequest): Promise<HistoryDto> {
    try {
      return await this.history.history(req.session_id, req.max_turns, req.max_chars);
    } catch (error) {
      throw error instanceof HistoryError ? historyErrorToBus(error) : error;
    }
  }
}
