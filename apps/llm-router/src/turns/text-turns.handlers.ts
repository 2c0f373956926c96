import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { ChatContracts, ControlEvent, mediaSubject, queueGroup, type TextTurnAcceptedReply, type TextTurnAliveReply, type TextTurnRequest } from '@voxbridge/contracts';
import { AppLogger, ServiceIdentity } from '@voxbridge/platform';
import { TurnsError, turnsErrorToBus } from './turns.errors';
import { TurnsService } from './turns.service';

/**
 * Bus edge of text turns (agent-api's chat endpoint): checks the agent, answers at once (naming
 * this replica), then runs the voice path without audio — `reply` events, a `control cancel` for
 * the turn stops it — and commits the full text. agent-api asks this replica whether the turn still
 * runs (`turn-alive`) a few times a second, so a dead replica or a NATS outage ends the client's
 * stream at once instead of leaving it on keep-alives.
 */
@Injectable()
export class TextTurnsHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private subscriptions: BusSubscription[] = [];
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly turns: TurnsService,
    private readonly identity: ServiceIdentity,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'text-turns' });
  }

  onApplicationBootstrap(): void {
    this.subscriptions = [
      this.bus.serve(ChatContracts.textTurn, (req) => this.accept(req), { queue: queueGroup(this.bus.namespace, 'llm-router') }),
      // This replica only (no queue group): only it knows its turns.
      this.bus.serve(ChatContracts.textTurnAlive(this.identity.instanceId), (req): TextTurnAliveReply => ({ turn_id: req.turn_id, running: this.running.has(req.turn_id) })),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    const running = [...this.running.values()];
    for (const turn of running) turn.controller.abort();
    await Promise.allSettled(running.map((turn) => turn.done));
  }

  private async accept(req: TextTurnRequest): Promise<TextTurnAcceptedReply> {
    const accepted: TextTurnAcceptedReply = { turn_id: req.turn_id, accepted: true, instance_id: this.identity.instanceId };
    if (this.running.has(req.turn_id)) return accepted;
    let agent;
    try {
      agent = await this.turns.agent(req.agent_id);
    } catch (error) {
      throw error instanceof TurnsError ? turnsErrorToBus(error) : error;
    }
    const controller = new AbortController();
    // Subscribed before answering, so a cancel sent right after the answer is heard.
    const control = this.bus.subscribeJson(mediaSubject(req.session_id, 'control'), ControlEvent, (event) => {
      if (event.action === 'end' || event.action === 'cancel' && (event.turn_id === undefined || event.turn_id === req.turn_id)) controller.abort();
    });
    const done = this.run(req, agent, controller.signal)
      .catch((error: unknown) => this.logger.error('text turn failed', { session_id: req.session_id, turn_id: req.turn_id, err: error }))
      .finally(() => {
        control.unsubscribe();
        this.running.delete(req.turn_id);
      });
    this.running.set(req.turn_id, { controller, done });
    return accepted;
  }

  private async run(req: TextTurnRequest, agent: Awaited<ReturnType<TurnsService['agent']>>, signal: AbortSignal): Promise<void> {
    const request = { sessionId: req.session_id, agentId: req.agent_id, turnId: req.turn_id, userText: req.content };
    const outcome = await this.turns.run({ ...request, kind: 'text', signal, agent });
    if (outcome.outcome === 'error' && outcome.text === '') return;
    await this.turns.commit({ request, outcome });
  }
}
