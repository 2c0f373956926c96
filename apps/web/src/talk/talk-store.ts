import { initialTalkState, talkReducer, type TalkAction, type TalkState } from './talk-machine';

/**
 * The talk reducer behind a tiny synchronous store: the voice session reads decisions (play this
 * frame? reconnect?) right after dispatching, React subscribes through useSyncExternalStore.
 */
export interface TalkStore {
  getState(): TalkState;
  dispatch(action: TalkAction): TalkState;
  subscribe(listener: () => void): () => void;
}

export function createTalkStore(initial: TalkState = initialTalkState): TalkStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = talkReducer(state, action);
      if (next !== state) {
        state = next;
        listeners.forEach((listener) => listener());
      }
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
