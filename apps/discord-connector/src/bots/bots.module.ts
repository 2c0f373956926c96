import { Module } from '@nestjs/common';
import { BotsHandlers } from './bots.handlers';
import { BotsMetrics } from './bots.metrics';
import { BotsService } from './bots.service';

@Module({
  providers: [BotsService, BotsHandlers, BotsMetrics],
  exports: [BotsService, BotsMetrics],
})
export class BotsModule {}
