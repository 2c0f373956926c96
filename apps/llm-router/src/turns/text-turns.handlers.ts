import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { ControlEvent, mediaSubject, queueGroup, TextTurnRequest, VoiceSubjects, type TextTurnAccepted } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { TurnsError, turnsErrorToBus } from './turns.errors';
import { TurnsService } from './turns.service';

/**
 * Bus edge of text turns (agent-api's chat endpoint): checks the agent, answers at once, then runs
 * the voice path without audio — `reply` events, a `control cancel` for the turn stops it — and
 * commits the full text.
 */
@Injectable()
export class TextTurnsHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private subscription: BusSubscription | undefined;
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly turns: TurnsService,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'text-turns' });
  }

  onApplicationBootstrap(): void {
    this.subscription = this.bus.serveJson(VoiceSubjects.textTurn, TextTurnRequest, (req) => this.accept(req), {
      queue: queueGroup(this.bus.namespace, 'llm-router'),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    const running = [...this.running.values()];
    for (const turn of running) turn.controller.abort();
    await Promise.allSettled(running.map((turn) => turn.done));
  }

  private async accept(req: TextTurnRequest): Promise<TextTurnAccepted> {
    if (this.running.has(req.turn_id)) return { turn_id: req.turn_id, accepted: true };
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
    return { turn_id: req.turn_id, accepted: true };
  }

  private async run(req: TextTurnRequest, agent: Awaited<ReturnType<TurnsService['agent']>>, signal: AbortSignal): Promise<void> {
    const request = { sessionId: req.session_id, agentId: req.agent_id, turnId: req.turn_id, userText: req.content };
    const outcome = await this.turns.run({ ...request, kind: 'text', signal, agent });
    if (outcome.outcome === 'error' && outcome.text === '') return;
    await this.turns.commit({ request, outcome });
  }
}
