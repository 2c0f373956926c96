import { Module } from '@nestjs/common';
import { ConversationChanges } from './conversation-changes';

/** One ConversationChanges per app, shared by the features that import this module. */
@Module({ providers: [ConversationChanges], exports: [ConversationChanges] })
export class ChangesModule {}
