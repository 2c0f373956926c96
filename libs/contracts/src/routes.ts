import { AgentSubjects } from './agents';
import { AuthSubjects } from './auth';
import { BusSubjects } from './bus';
import { DISCORD_DOMAIN, DiscordSubjects } from './discord';
import { PLUGINS_DOMAIN, PluginSubjects } from './plugin-contracts';
import type { ServiceName } from './services';
import { SessionSubjects } from './sessions';
import { controlSubject, FleetSubjects, mediaSubject, type MediaStream, type Subject } from './subjects';
import { TurnFactSubjects } from './turn-facts';
import { VoiceSubjects } from './voice';
import { PIPELINE_STAGES, sessionProtocol, STAGE_SERVICE } from './voice-sessions';

/**
 * Who talks to whom: every subject of the fleet with the services that publish (or request) it
 * and those that subscribe (or serve) it. The README's map of routes is generated from this
 * (`npm run routes`; a test keeps the two the same), and per-service NATS permissions can be.
 */
export type RoutePlane = 'request' | 'event' | 'durable' | 'media';

export interface Route {
  /** As on the wire without the namespace; `<sid>` / `<id>` stand for a session / instance id. */
  subject: string;
  plane: RoutePlane;
  from: readonly ServiceName[];
  to: readonly ServiceName[];
  what: string;
}

const SID = '00000000-0000-4000-8000-000000000000';
const media = (stream: MediaStream) => mediaSubject(SID, stream).replace(SID, '<sid>');
const plain = (subject: Subject) => String(subject);
/** The services that bring users' audio in and play the answers: the browser's and Discord's. */
const GATEWAYS: readonly ServiceName[] = ['webrtc-gateway', 'discord-connector'];

export const ROUTES: readonly Route[] = [
  { subject: plain(AuthSubjects.verify), plane: 'request', from: ['webrtc-gateway'], to: ['agent-api'], what: 'a voice token or API key, for an agent' },
  { subject: plain(AgentSubjects.get), plane: 'request', from: ['stt-gateway', 'llm-router', 'tts-gateway', 'webrtc-gateway'], to: ['agent-api'], what: 'an agent' },
  { subject: plain(AuthSubjects.keyRevoked), plane: 'event', from: ['agent-api'], to: ['agent-api', 'webrtc-gateway'], what: 'an API key was revoked: its open sockets close' },
  { subject: plain(AgentSubjects.created), plane: 'durable', from: ['agent-api'], to: ['session-store', 'plugin-supervisor'], what: 'agent created / updated / deleted (also `.updated`, `.deleted`)' },
  { subject: plain(AgentSubjects.created), plane: 'event', from: ['agent-api'], to: ['agent-api', 'llm-router', 'discord-connector', 'plugin-supervisor'], what: 'the same agent events read live by every replica (the /ws/events socket, llm-router’s agent cache, bots, plugins)' },
  { subject: plain(SessionSubjects.create), plane: 'request', from: ['agent-api', ...GATEWAYS], to: ['session-store'], what: 'sessions: create, get, update (also list, delete)' },
  { subject: plain(SessionSubjects.listMessages), plane: 'request', from: ['agent-api'], to: ['session-store'], what: 'messages: list, append' },
  { subject: plain(SessionSubjects.history), plane: 'request', from: ['llm-router'], to: ['session-store'], what: 'the history a prompt needs' },
  { subject: plain(VoiceSubjects.textTurn), plane: 'request', from: ['agent-api'], to: ['llm-router'], what: 'run a text turn' },
  ...PIPELINE_STAGES.map((stage) => ({
    subject: plain(sessionProtocol(stage).claim.subject),
    plane: 'request' as const,
    from: [...GATEWAYS, STAGE_SERVICE[stage]],
    to: [STAGE_SERVICE[stage]],
    what: 'the session protocol (a stopping replica claims for its sibling): claim (queue group), release (all replicas); `.instance.<id>.renew` and `.ping` to one replica',
  })),
  { subject: plain(DiscordSubjects.bots), plane: 'request', from: ['discord-connector'], to: ['agent-api'], what: 'agents with an enabled Discord bot, token still encrypted' },
  { subject: plain(DiscordSubjects.join), plane: 'request', from: ['agent-api'], to: ['discord-connector'], what: 'Discord voice join (also `.leave`, `.status`); passed on to the bot’s replica as `discord.v1.instance.<id>.voice-*`' },
  { subject: plain(controlSubject(DISCORD_DOMAIN, 'session', 'claim')), plane: 'request', from: ['discord-connector'], to: ['discord-connector'], what: 'bot leases: the session protocol with the agent id as session id (one live client per bot token)' },
  { subject: plain(PluginSubjects.configs), plane: 'request', from: ['plugin-supervisor'], to: ['agent-api'], what: 'agents’ enabled generic plugins, secrets still encrypted' },
  { subject: plain(controlSubject(PLUGINS_DOMAIN, 'session', 'claim')), plane: 'request', from: ['plugin-supervisor'], to: ['plugin-supervisor'], what: 'plugin leases: the session protocol with a UUID of agent + plugin type as session id (each plugin runs once)' },
  { subject: plain(PluginSubjects.runtime), plane: 'request', from: ['agent-api'], to: ['plugin-supervisor'], what: 'every replica: the plugins it runs, with CPU / RSS per process (scatter-gather)' },
  { subject: plain(PluginSubjects.control), plane: 'request', from: ['agent-api'], to: ['plugin-supervisor'], what: 'start / stop / restart a plugin; the replica holding it acts (scatter-gather)' },
  { subject: plain(PluginSubjects.stopped), plane: 'event', from: ['plugin-supervisor'], to: [], what: 'a plugin stopped by its limits, a crash loop or a start that cannot succeed, with the reason' },
  { subject: plain(SessionSubjects.turnCommitted), plane: 'durable', from: ['llm-router'], to: ['session-store'], what: 'a text turn, as answered' },
  { subject: plain(TurnFactSubjects.transcribed), plane: 'durable', from: ['stt-gateway'], to: ['session-store'], what: 'a voice turn’s user words and speech marks' },
  { subject: plain(TurnFactSubjects.answered), plane: 'durable', from: ['llm-router'], to: ['session-store'], what: 'a voice turn’s answer and LLM marks' },
  { subject: plain(TurnFactSubjects.heard), plane: 'durable', from: ['tts-gateway'], to: ['session-store'], what: 'what was heard (progress, final) and TTS marks' },
  { subject: plain(TurnFactSubjects.delivered), plane: 'durable', from: GATEWAYS, to: ['session-store'], what: 'first frame sent to the user' },
  { subject: plain(SessionSubjects.turnRecorded), plane: 'event', from: ['session-store'], to: ['agent-api', 'webrtc-gateway', 'plugin-supervisor', 'session-store'], what: 'a turn as stored (latencies, timeline); session-store replicas drop their cached history' },
  { subject: plain(SessionSubjects.sessionCreated), plane: 'event', from: ['session-store'], to: ['agent-api', 'plugin-supervisor'], what: 'session created / ended (also `.ended`)' },
  { subject: plain(BusSubjects.messageDeadLettered), plane: 'event', from: ['session-store'], to: [], what: 'a durable message moved to the dead-letter stream' },
  { subject: plain(FleetSubjects.healthPing), plane: 'request', from: ['agent-api'], to: ['agent-api', 'session-store', 'stt-gateway', 'llm-router', 'tts-gateway', 'discord-connector', 'webrtc-gateway', 'plugin-supervisor'], what: 'fleet census (every replica answers)' },
  { subject: media('audio.in'), plane: 'media', from: GATEWAYS, to: ['stt-gateway'], what: 'PCM16 16 kHz 20 ms frames' },
  { subject: media('vad'), plane: 'media', from: ['stt-gateway'], to: ['llm-router', 'tts-gateway', 'webrtc-gateway'], what: 'voice onset / dismissed / speech started / stopped' },
  { subject: media('transcript'), plane: 'media', from: ['stt-gateway', 'webrtc-gateway'], to: ['llm-router', 'webrtc-gateway', 'agent-api'], what: 'partial / final transcripts (a gateway repeats an unanswered final after an LLM takeover)' },
  { subject: media('reply'), plane: 'media', from: ['llm-router'], to: ['tts-gateway', 'webrtc-gateway', 'agent-api'], what: 'reply deltas / done / error' },
  { subject: media('audio.out'), plane: 'media', from: ['tts-gateway'], to: GATEWAYS, what: 'PCM16 24 kHz 20 ms frames' },
  { subject: media('turn'), plane: 'media', from: ['llm-router', 'tts-gateway'], to: ['llm-router', ...GATEWAYS, 'agent-api'], what: 'turn states, heard text' },
  { subject: media('control'), plane: 'media', from: ['llm-router', 'webrtc-gateway'], to: ['stt-gateway', 'llm-router', 'tts-gateway', ...GATEWAYS], what: 'cancel a turn, end the session' },
];

/** The README's table of routes (markdown), from ROUTES. */
export function routesMarkdown(routes: readonly Route[] = ROUTES): string {
  const names = (services: readonly string[]) => (services.length === 0 ? '—' : services.join(', '));
  const rows = routes.map((route) => `| \`${route.subject}\` | ${route.plane} | ${names(route.from)} | ${names(route.to)} | ${route.what} |`);
  return ['| subject | plane | from | to | what |', '|---|---|---|---|---|', ...rows].join('\n');
}
