/** The eight services of the fleet, what each owns and where it listens by default. */
export interface ServiceDescriptor {
  /** Control-plane domain: first token of its subjects (`agents.v1.agent.get`). */
  readonly domain: string;
  /** Default HTTP port (health, ready, metrics and any API). */
  readonly defaultPort: number;
  /** Postgres schema the service owns, or null for stateless services. */
  readonly schema: string | null;
}

export const SERVICES = {
  'agent-api': { domain: 'agents', defaultPort: 4900, schema: 'agent_api' },
  'webrtc-gateway': { domain: 'webrtc', defaultPort: 4901, schema: null },
  'session-store': { domain: 'sessions', defaultPort: 4902, schema: 'session_store' },
  'stt-gateway': { domain: 'stt', defaultPort: 4903, schema: null },
  'llm-router': { domain: 'llm', defaultPort: 4904, schema: 'llm_router' },
  'tts-gateway': { domain: 'tts', defaultPort: 4905, schema: null },
  'discord-connector': { domain: 'discord', defaultPort: 4906, schema: 'discord_connector' },
  'plugin-supervisor': { domain: 'plugins', defaultPort: 4907, schema: 'plugin_supervisor' },
} as const satisfies Record<string, ServiceDescriptor>;

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

export function isServiceName(value: unknown): value is ServiceName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SERVICES, value);
}

/** Exit codes of a service process that its supervisor (the launcher, Kubernetes) acts on. */
export const ServiceExitCode = {
  /** Stopped on request after draining. */
  Stopped: 0,
  /** Failed at runtime (port in use, NATS or DB unreachable at boot...): worth restarting. */
  Failed: 1,
  /** Its configuration is invalid (sysexits EX_CONFIG): restarting cannot help. */
  BadConfig: 78,
} as const;
