import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppLogger } from '@voxbridge/platform';
import { AgentsService } from './agents.service';

/** Seeds the example agents on the first boot against a database (a marker row remembers it). */
@Injectable()
export class AgentsSeeder implements OnApplicationBootstrap {
  constructor(
    private readonly agents: AgentsService,
    private readonly logger: AppLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const seeded = await this.agents.seedOnce();
    if (seeded.length > 0) this.logger.info('example agents seeded', { count: seeded.length, agent_ids: seeded.map((agent) => agent.id) });
  }
}
