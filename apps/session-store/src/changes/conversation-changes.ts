import { Injectable } from '@nestjs/common';

export type ConversationChangeListener = (sessionId: string) => void;

/**
 * In-process notice that a session's conversation changed (a message or turn written, the session
 * deleted). Writers call `changed`; readers with caches (history) listen. Keeps the writing
 * features from depending on the reading ones.
 */
@Injectable()
export class ConversationChanges {
  private readonly listeners = new Set<ConversationChangeListener>();

  listen(listener: ConversationChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(sessionId: string): void {
    for (const listener of this.listeners) listener(sessionId);
  }
}
