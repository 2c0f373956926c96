import type { MessageTimeline } from './sessions';
import type { TurnState } from './voice';

/**
 * The browser voice socket served by webrtc-gateway: `GET /ws/voice?agent_id=…[&session_id=…]`
 * with `token=<voice token or API key>` in the query (browsers cannot set headers on a WebSocket)
 * or `Authorization: Bearer …`.
 *
 * Client → server: binary PCM16 LE mono 16 kHz frames of 20 ms (640 bytes); JSON text messages
 * `VoiceClientMessage`. Server → client: binary PCM16 LE mono 24 kHz frames of 20 ms (960 bytes)
 * and JSON text messages `VoiceServerMessage` (`{event, data}`).
 *
 * Close codes: 1000 ended, 1008 unauthorized or bad request (reason names it), 1011 the fleet
 * failed, 1013 too slow to keep up with the audio, 4404 unknown agent or session.
 */
export const VOICE_SOCKET_PATH = '/ws/voice';

/** Close codes of the voice socket (the numbers the browser sees in CloseEvent.code). */
export const VoiceCloseCode = {
  Ended: 1000,
  GoingAway: 1001,
  /** Unauthorized or bad request; the reason names it. */
  PolicyViolation: 1008,
  /** A message over `VOICE_MAX_MESSAGE_BYTES`; the reason says the limit. */
  TooLarge: 1009,
  /** The fleet failed (a `service_error` names the service first). */
  FleetFailed: 1011,
  /** Too slow to keep up with the audio. */
  TooSlow: 1013,
  /** Unknown agent or session. */
  NotFound: 4404,
} as const;

/** Client messages are 640-byte frames and tiny commands; anything larger closes the socket (1009). */
export const VOICE_MAX_MESSAGE_BYTES = 64 * 1024;

export const VOICE_CLIENT_ACTIONS = ['mute', 'unmute', 'interrupt', 'end'] as const;
export type VoiceClientAction = (typeof VOICE_CLIENT_ACTIONS)[number];

/** `mute`: stop sending audio to the fleet (the socket stays); `interrupt`: cancel the agent's turn; `end`: end and close. */
export interface VoiceClientMessage {
  type: VoiceClientAction;
}

export interface VoiceServerEvents {
  /** Sent once per socket, after the session is claimed: audio may flow. */
  ready: { session_id: string; agent_id: string; agent_name: string; input_sample_rate: 16000; output_sample_rate: 24000; frame_ms: 20; resumed: boolean };
  speech_started: { utterance_id: string; at_ms: number };
  speech_stopped: { utterance_id: string; at_ms: number };
  partial_transcript: { utterance_id: string; text: string };
  final_transcript: { utterance_id: string; text: string };
  ai_response_chunk: { turn_id: string; text: string };
  ai_response_complete: { turn_id: string; text: string };
  turn_state: { turn_id: string | null; state: TurnState; heard_text?: string };
  turn_metrics: {
    turn_id: string;
    interrupted: boolean;
    stt_latency_ms: number | null;
    llm_ttft_ms: number | null;
    tts_ttfb_ms: number | null;
    total_latency_ms: number | null;
    overhead_ms: number | null;
    provider: string | null;
    model: string | null;
    /** Where the turn's time went, mark by mark (null for a turn without one). */
    timeline: MessageTimeline | null;
  };
  /** Something failed; `message` says what and, for a provider, how to configure it. */
  service_error: { code: string; message: string; turn_id?: string; service?: string };
  /** A service (or the message bus, `nats`) that a `service_error` named answers again. */
  service_recovered: { service: string; message: string };
}

export type VoiceServerEventName = keyof VoiceServerEvents;
export type VoiceServerMessage = { [K in VoiceServerEventName]: { event: K; data: VoiceServerEvents[K] } }[VoiceServerEventName];
