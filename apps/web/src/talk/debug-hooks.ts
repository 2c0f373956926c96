/**
 * `window.__voxbridge`: counters of the Talk page for automated browser tests and for people
 * looking at the console. Counters are cumulative over the page's lifetime.
 */
export interface VoxbridgeDebug {
  state: {
    connection: string;
    indicator: string;
    turnState: string | null;
    sessionId: string | null;
    agentId: string | null;
    turns: number;
    error: string | null;
  };
  /** The AudioContext's rate the microphone is resampled from (null before the first start). */
  contextSampleRateHz: number | null;
  /** Microphone frames sent on the voice socket, and the size of the last one (640). */
  framesSent: number;
  lastFrameBytes: number;
  /** Microphone frames not sent because the user muted the microphone. */
  framesMuted: number;
  /** Binary frames received from the voice socket. */
  framesReceived: number;
  /** Frames the speaker played to their end. */
  framesPlayed: number;
  /** Frames in the jitter buffer now. */
  framesBuffered: number;
  /** Frames thrown away because the turn was interrupted: flushed from the buffer, or arriving late. */
  framesDroppedOnInterrupt: number;
  /** `turn_state: interrupted` events received, and `interrupt` messages sent. */
  interruptionsReceived: number;
  interruptsSent: number;
  /** Voice socket openings (`ready` events) and reconnect attempts. */
  socketsReady: number;
  reconnectAttempts: number;
  serviceErrors: number;
}

declare global {
  interface Window {
    __voxbridge?: VoxbridgeDebug;
  }
}

export function createDebug(): VoxbridgeDebug {
  return {
    state: { connection: 'idle', indicator: 'idle', turnState: null, sessionId: null, agentId: null, turns: 0, error: null },
    contextSampleRateHz: null,
    framesSent: 0,
    lastFrameBytes: 0,
    framesMuted: 0,
    framesReceived: 0,
    framesPlayed: 0,
    framesBuffered: 0,
    framesDroppedOnInterrupt: 0,
    interruptionsReceived: 0,
    interruptsSent: 0,
    socketsReady: 0,
    reconnectAttempts: 0,
    serviceErrors: 0,
  };
}

/** The page's debug object, created on first use. */
export function pageDebug(): VoxbridgeDebug {
  window.__voxbridge ??= createDebug();
  return window.__voxbridge;
}
