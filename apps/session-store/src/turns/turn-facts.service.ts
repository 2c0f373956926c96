import { Injectable } from '@nestjs/common';
import { buildTimeline, marksFrom, type MessageDto } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { assembleTurn, marksOf, type TurnFactSet } from './turn-assembly';
import { TurnFactsRepository, type TurnFactKind } from './turn-facts.repository';
import { TurnsMetrics } from './turns.metrics';
import { TurnsService } from './turns.service';

/** A voice turn just written, to announce. */
export interface AssembledTurn {
  sessionId: string;
  agentId: string;
  turnId: string;
  messages: MessageDto[];
}

/**
 * Voice turns from the stages' durable facts: each fact is kept, and the turn is written exactly
 * once — as soon as it is complete, or, when a stage died, once no fact came for the assembly
 * timeout (`sweep`), as interrupted with what was actually played. Facts go once the turn is
 * written; a fact that comes later only completes the stored timeline.
 */
@Injectable()
export class TurnFactsService {
  private readonly logger: AppLogger;

  constructor(
    private readonly facts: TurnFactsRepository,
    private readonly turns: TurnsService,
    private readonly metrics: TurnsMetrics,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'turn-facts' });
  }

  async received(kind: TurnFactKind, fact: NonNullable<TurnFactSet[TurnFactKind]>): Promise<AssembledTurn | null> {
    await this.facts.store(kind, fact);
    return this.assemble(fact.turn_id, false);
  }

  /** Writes the turns that have been quiet for `quietMs`; what was written, to announce. */
  async sweep(quietMs: number, limit = 100): Promise<AssembledTurn[]> {
    const written: AssembledTurn[] = [];
    for (const turnId of await this.facts.quietTurns(quietMs, limit)) {
      const turn = await this.assemble(turnId, true);
      if (turn) written.push(turn);
    }
    return written;
  }

  private async assemble(turnId: string, quiet: boolean): Promise<AssembledTurn | null> {
    const { facts, written } = await this.facts.load(turnId);
    if (written) {
      await this.completeTimeline(turnId, facts);
      await this.facts.remove(turnId);
      return null;
    }
    const assembly = assembleTurn(turnId, facts, quiet);
    switch (assembly.kind) {
      case 'wait':
        return null;
      case 'drop':
        this.metrics.assembled(assembly.reason);
        this.logger.info('voice turn not stored', { turn_id: turnId, reason: assembly.reason });
        await this.facts.remove(turnId);
        return null;
      case 'write': {
        const result = await this.turns.write(assembly.record);
        await this.facts.remove(turnId);
        if (result.outcome !== 'written') return null;
        this.metrics.assembled(assembly.failed ? 'failed' : assembly.complete ? 'complete' : 'cut_short');
        if (assembly.failed) {
          this.logger.info('failed voice turn stored with its error', { session_id: assembly.record.sessionId, turn_id: turnId, ...assembly.record.error });
        }
        this.metrics.timeline(assembly.record.totalLatencyMs, assembly.record.overheadMs);
        if (!assembly.complete) {
          this.logger.warn('voice turn stored cut short: a stage went quiet', { session_id: assembly.record.sessionId, turn_id: turnId, kinds: Object.keys(facts) });
        }
        return { sessionId: assembly.record.sessionId, agentId: assembly.agentId, turnId, messages: result.messages };
      }
    }
  }

  /** Marks of facts that came after the turn was written join its stored timeline. */
  private async completeTimeline(turnId: string, facts: TurnFactSet): Promise<void> {
    const late = marksOf(facts);
    if (Object.keys(late).length === 0) return;
    const stored = marksFrom(await this.facts.storedMarks(turnId));
    if (Object.keys(late).every((mark) => mark in stored)) return;
    const marks = { ...late, ...stored };
    const timeline = buildTimeline(marks);
    await this.facts.mergeMarks(turnId, marks, { totalLatencyMs: timeline.totalMs, overheadMs: timeline.overheadMs });
  }
}
