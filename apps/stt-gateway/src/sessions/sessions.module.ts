import { Module } from '@nestjs/common';
import { SttSessionsHandlers } from './sessions.handlers';
import { SttSessionsService } from './sessions.service';
import { SttMetrics } from './stt.metrics';

/** Voice sessions: claims and leases, one worker per session from audio in to transcripts out. */
@Module({ providers: [SttMetrics, SttSessionsService, SttSessionsHandlers] })
export class SttSessionsModule {}
