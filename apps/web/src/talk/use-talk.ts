import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { describeError, type ApiClient } from '../api/api-client';
import type { MessageDto } from '../api/api-types';
import { VoiceAudio, type VoiceAudioOptions } from '../audio/voice-audio';
import { pageDebug } from './debug-hooks';
import type { TalkState } from './talk-machine';
import { createTalkStore } from './talk-store';
import { VoiceSession, type VoiceSessionDeps } from './voice-session';

function browserDeps(api: ApiClient): VoiceSessionDeps {
  return {
    mintToken: (agentId) => api.mintVoiceToken(agentId),
    createAudio: (handlers, options) => new VoiceAudio(handlers, options),
    openSocket: (url) => new WebSocket(url),
    schedule: (run, delayMs) => {
      const timer = window.setTimeout(run, delayMs);
      return () => window.clearTimeout(timer);
    },
    debug: pageDebug(),
  };
}

/** What a voice session is built from: the browser's by default, fakes in component tests. */
export const TalkDepsContext = createContext<(api: ApiClient) => VoiceSessionDeps>(browserDeps);

export interface Talk {
  state: TalkState;
  /** Call from a click handler (the audio context needs the user's gesture). */
  start(agentId: string, options: VoiceAudioOptions): void;
  /** Ends the call. */
  stop(): void;
  interrupt(): void;
  setMuted(muted: boolean): void;
  setOutputVolume(volume: number): void;
  switchMicrophone(deviceId: string | null): void;
  /** The microphone's level now (0–1). */
  inputLevel(): number;
  /** A typed turn in the call's conversation; its answer streams in (and is spoken) like a spoken turn's. */
  sendText(text: string): void;
  dismissError(): void;
  /** A turn of the call's conversation was stored (`turn_committed`): a failed one is shown as failed. */
  turnCommitted(messages: MessageDto[]): void;
}

let textTurns = 0;

/** The Talk page's voice session as React state; the session ends when the page unmounts. */
export function useTalk(api: ApiClient): Talk {
  const createDeps = useContext(TalkDepsContext);
  const [store] = useState(createTalkStore);
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const session = useRef<VoiceSession | null>(null);
  const chats = useRef(new Set<AbortController>());

  useEffect(() => {
    const running = chats.current;
    // Closing the tab or leaving the site ends the call with `end`, so the conversation does not stay
    // "ongoing"; between two sockets (reconnecting) the API ends it instead. Not on `visibilitychange`:
    // a call goes on in a background tab (a tab killed while hidden is ended by the gateway's grace period).
    const onPageHide = () => {
      const { sessionId } = store.getState();
      const told = session.current?.stop();
      if (told === false && sessionId) api.endSessionOnUnload(sessionId);
      session.current = null;
    };
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      session.current?.stop();
      session.current = null;
      running.forEach((chat) => chat.abort());
    };
  }, [api, store]);

  const start = useCallback(
    (agentId: string, options: VoiceAudioOptions) => {
      session.current?.stop();
      const next = new VoiceSession(store, createDeps(api));
      session.current = next;
      void next.start(agentId, options); // settles on its own: failures land in the store
    },
    [api, store, createDeps],
  );
  const stop = useCallback(() => {
    session.current?.stop();
    session.current = null;
  }, []);
  const interrupt = useCallback(() => session.current?.interrupt(), []);
  const setMuted = useCallback((muted: boolean) => session.current?.setMuted(muted), []);
  const setOutputVolume = useCallback((volume: number) => session.current?.setOutputVolume(volume), []);
  const switchMicrophone = useCallback((deviceId: string | null) => void session.current?.switchMicrophone(deviceId), []);
  const inputLevel = useCallback(() => session.current?.inputLevel() ?? 0, []);
  const dismissError = useCallback(() => store.dispatch({ type: 'dismiss_error' }), [store]);
  const turnCommitted = useCallback((messages: MessageDto[]) => store.dispatch({ type: 'turn_committed', messages }), [store]);

  const sendText = useCallback(
    (text: string) => {
      const { sessionId } = store.getState();
      const content = text.trim();
      if (!sessionId || !content) return;
      textTurns += 1;
      const key = `text-${textTurns}`;
      store.dispatch({ type: 'text_sent', key, text: content });
      const controller = new AbortController();
      chats.current.add(controller);
      // The voice socket relays this turn's reply as it streams (and it is spoken); the chat
      // stream is read to its end (closing it early would cancel the turn) for the outcome.
      api
        .chat(sessionId, content, undefined, controller.signal)
        .then(
          (last) => {
            if (last.kind === 'done') store.dispatch({ type: 'text_done', key, turnId: last.turn_id, text: last.text });
            else if (last.kind === 'error') store.dispatch({ type: 'text_failed', key, code: last.code, message: last.message });
          },
          (error: unknown) => {
            if (controller.signal.aborted) return;
            const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'chat_failed';
            store.dispatch({ type: 'text_failed', key, code, message: `Your message was not answered: ${describeError(error)}` });
          },
        )
        .finally(() => chats.current.delete(controller));
    },
    [api, store],
  );

  return { state, start, stop, interrupt, setMuted, setOutputVolume, switchMicrophone, inputLevel, sendText, dismissError, turnCommitted };
}
