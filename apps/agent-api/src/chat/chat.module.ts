import { Module } from '@nestjs/common';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';

/** `POST /api/sessions/:id/chat`: text turns through llm-router, answered as SSE or JSON. */
@Module({
  controllers: [ChatController],
  providers: [ChatService],
})
export class ChatModule {}
