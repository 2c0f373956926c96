import { Module } from '@nestjs/common';
import { SttSessionsService } from './sessions.service';
import { SttMetrics } from './stt.metrics';

/** Voice sessions: claims and leases, one worker per session from audio in to transcripts out. */
@Module({ providers: [SttMetrics, SttSessionsService] })
export class SttSessionsModule {}
