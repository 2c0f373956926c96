import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ApiClient } from '../api/api-client';
import { VoiceAudio } from '../audio/voice-audio';
import { pageDebug } from './debug-hooks';
import type { TalkState } from './talk-machine';
import { createTalkStore } from './talk-store';
import { VoiceSession, type VoiceSessionDeps } from './voice-session';

function browserDeps(api: ApiClient): VoiceSessionDeps {
  return {
    mintToken: (agentId) => api.mintVoiceToken(agentId),
    createAudio: (handlers) => new VoiceAudio(handlers),
    openSocket: (url) => new WebSocket(url),
    schedule: (run, delayMs) => {
      const timer = window.setTimeout(run, delayMs);
      return () => window.clearTimeout(timer);
    },
    debug: pageDebug(),
  };
}

export interface Talk {
  state: TalkState;
  /** Call from a click handler (the audio context needs the user's gesture). */
  start(agentId: string): void;
  stop(): void;
  interrupt(): void;
  dismissError(): void;
}

/** The Talk page's voice session as React state; the session ends when the page unmounts. */
export function useTalk(api: ApiClient): Talk {
  const [store] = useState(createTalkStore);
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const session = useRef<VoiceSession | null>(null);

  useEffect(
    () => () => {
      session.current?.stop();
      session.current = null;
    },
    [],
  );

  const start = useCallback(
    (agentId: string) => {
      session.current?.stop();
      const next = new VoiceSession(store, browserDeps(api));
      session.current = next;
      void next.start(agentId); // settles on its own: failures land in the store
    },
    [api, store],
  );
  const stop = useCallback(() => {
    session.current?.stop();
    session.current = null;
  }, []);
  const interrupt = useCallback(() => session.current?.interrupt(), []);
  const dismissError = useCallback(() => store.dispatch({ type: 'dismiss_error' }), [store]);

  return { state, start, stop, interrupt, dismissError };
}
