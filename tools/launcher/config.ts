import { assertNamespace, DEFAULT_NAMESPACE, SERVICE_NAMES, SERVICES, type ServiceName } from '@voxbridge/contracts';
import { join, resolve } from 'node:path';
import { LauncherError, LauncherErrorCode } from './launcher.errors';

export const DEFAULT_PORT_BASE = 4900;
export const DEFAULT_PG_PORT = 5488;
export const DEFAULT_NATS_PORT = 4222;
/** The port every default port is counted from (SERVICES[name].defaultPort - 4900 = offset). */
const DEFAULT_PORTS_START = Math.min(...SERVICE_NAMES.map((name) => SERVICES[name].defaultPort));
const LAST_OFFSET = Math.max(...SERVICE_NAMES.map((name) => SERVICES[name].defaultPort)) - DEFAULT_PORTS_START;

export const DEFAULT_REPLICAS = 1;
export const MAX_REPLICAS = 8;
/**
 * The pipeline workers: a session's work is claimed through leases, so any number of processes may
 * run. session-store stays single: its history cache is dropped only by writes in its own process.
 * The gateways and plugin-supervisor bind the fixed ports users and bots connect to.
 */
export const REPLICATED_SERVICES: readonly ServiceName[] = ['stt-gateway', 'llm-router', 'tts-gateway'];

export interface LauncherConfig {
  /** State folder: embedded Postgres data, NATS store, pid files. */
  home: string;
  namespace: string;
  portBase: number;
  /** Port of the embedded Postgres (unused when databaseUrl is set). */
  pgPort: number;
  /** Given by the user; otherwise an embedded Postgres is started. */
  databaseUrl: string | undefined;
  /** Given by the user; otherwise a local NATS is found or started. */
  natsUrl: string | undefined;
  /** Interface the services listen on (their HTTP_HOST). */
  httpHost: string;
  fakeProviders: boolean;
  /** Processes of each of REPLICATED_SERVICES. */
  replicas: number;
}

/** What the command line asks for when it asks to run the fleet. */
export interface RunOptions {
  fakeProviders: boolean;
  replicas: number;
}

export type ParsedArgs = { kind: 'help' } | ({ kind: 'run' } & RunOptions);

function usage(message: string): LauncherError {
  return new LauncherError(LauncherErrorCode.Usage, `${message} (see --help)`);
}

function parseReplicas(raw: string | undefined): number {
  // `--replicas` last, or followed by another option: the number was forgotten.
  if (raw === undefined || raw.startsWith('--')) throw usage(`--replicas needs a number from 1 to ${MAX_REPLICAS}, e.g. --replicas 2`);
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_REPLICAS) {
    throw usage(`--replicas must be an integer from 1 to ${MAX_REPLICAS} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return { kind: 'help' };
  let fakeProviders = false;
  let replicas = DEFAULT_REPLICAS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--fake-providers') fakeProviders = true;
    else if (arg === '--replicas') replicas = parseReplicas(argv[++i]);
    else if (arg.startsWith('--replicas=')) replicas = parseReplicas(arg.slice('--replicas='.length));
    else throw usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  return { kind: 'run', fakeProviders, replicas };
}

function integerIn(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return value;
}

/** Reads the launcher's variables once; throws one LauncherError listing every bad value. */
export function loadLauncherConfig(env: NodeJS.ProcessEnv, repoRoot: string, options: RunOptions): LauncherConfig {
  const problems: string[] = [];
  const namespace = env['VOXBRIDGE_NAMESPACE'] || DEFAULT_NAMESPACE;
  try {
    assertNamespace(namespace);
  } catch (error) {
    problems.push(`VOXBRIDGE_NAMESPACE: ${error instanceof Error ? error.message : String(error)}`);
  }
  const portBase = integerIn(env, 'VOXBRIDGE_PORT_BASE', DEFAULT_PORT_BASE, 1024, 65535 - LAST_OFFSET - extraPortCount(options.replicas), problems);
  const pgPort = integerIn(env, 'VOXBRIDGE_PG_PORT', DEFAULT_PG_PORT, 1024, 65535, problems);
  const databaseUrl = env['DATABASE_URL'] || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// URL');
  }
  const natsUrl = env['NATS_URL'] || undefined;
  if (natsUrl !== undefined && !natsUrl.split(',').every((url) => /^(nats|tls|ws|wss):\/\/[^,\s]+$/.test(url))) {
    problems.push(`NATS_URL must be one or more comma-separated nats:// URLs (got ${JSON.stringify(natsUrl)})`);
  }
  if (problems.length > 0) {
    throw new LauncherError(LauncherErrorCode.BadConfig, `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const home = env['VOXBRIDGE_HOME'] ? resolve(env['VOXBRIDGE_HOME']) : join(repoRoot, '.voxbridge');
  return {
    home,
    namespace,
    portBase,
    pgPort,
    databaseUrl,
    natsUrl,
    httpHost: env['HTTP_HOST'] || '0.0.0.0',
    fakeProviders: options.fakeProviders,
    replicas: options.replicas,
  };
}

export interface ServicePort {
  service: ServiceName;
  port: number;
}

/** Each service's HTTP port: the base plus the service's offset among the default ports. */
export function portPlan(portBase: number): ServicePort[] {
  return SERVICE_NAMES.map((service) => ({ service, port: portBase + SERVICES[service].defaultPort - DEFAULT_PORTS_START }));
}

/** One process of the fleet: a service, or one replica of a worker. */
export interface ServiceReplica {
  service: ServiceName;
  /** 1-based; replica 1 listens on the service's own port. */
  replica: number;
  /** The service's name, or `stt-gateway#2` when its service runs replicas: log prefix and announcements. */
  name: string;
  port: number;
}

/** Ports the replicas after the first take, after the fleet's block of eight. */
export function extraPortCount(replicas: number): number {
  return REPLICATED_SERVICES.length * (replicas - 1);
}

/**
 * Every process to run, in fleet order with a worker's replicas side by side. Replica 1 of each
 * service keeps its port; replicas 2..N of the workers take the ports after the block, one service
 * after the other (base 4900, 2 replicas: stt-gateway#2 4908, llm-router#2 4909, tts-gateway#2 4910).
 * Fixed ports, not 0, so that the launcher can poll each replica's /ready and print its URLs.
 */
export function replicaPlan(portBase: number, replicas: number): ServiceReplica[] {
  const firstExtraPort = portBase + LAST_OFFSET + 1;
  return portPlan(portBase).flatMap(({ service, port }) => {
    const worker = REPLICATED_SERVICES.indexOf(service);
    const count = worker < 0 ? 1 : replicas;
    return Array.from({ length: count }, (_, i) => ({
      service,
      replica: i + 1,
      name: count > 1 ? `${service}#${i + 1}` : service,
      port: i === 0 ? port : firstExtraPort + worker * (replicas - 1) + (i - 1),
    }));
  });
}

export interface ChildEnvInput {
  natsUrl: string;
  databaseUrl: string;
  namespace: string;
  port: number;
  /** The launcher writes to a terminal: pretty, coloured logs; else JSON lines. */
  terminal: boolean;
  fakeProviders: boolean;
  /** The service this environment is for (the bootstrap admin key goes to agent-api only). */
  service?: ServiceName;
  /** `VOXBRIDGE_BOOTSTRAP_ADMIN_KEY` for agent-api, from `$VOXBRIDGE_HOME/admin-key`. */
  bootstrapAdminKey?: string;
  /** `VOXBRIDGE_ENCRYPTION_KEY` for every service, from `$VOXBRIDGE_HOME/encryption-key`. */
  encryptionKey?: string;
}

/**
 * Environment of one service process: the launcher's own (so LOG_LEVEL, provider keys... pass
 * through), plus what the fleet decides. An explicit LOG_FORMAT wins over the terminal guess.
 */
export function childEnv(base: NodeJS.ProcessEnv, input: ChildEnvInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    NATS_URL: input.natsUrl,
    DATABASE_URL: input.databaseUrl,
    VOXBRIDGE_NAMESPACE: input.namespace,
    HTTP_PORT: String(input.port),
    LOG_FORMAT: base['LOG_FORMAT'] || (input.terminal ? 'pretty' : 'json'),
  };
  // The child's stdout is a pipe, so pino-pretty would turn colours off on its own.
  if (input.terminal && !base['NO_COLOR']) env['FORCE_COLOR'] = '1';
  if (input.fakeProviders) env['VOXBRIDGE_FAKE_PROVIDERS'] = '1';
  if (input.bootstrapAdminKey && input.service === 'agent-api') env['VOXBRIDGE_BOOTSTRAP_ADMIN_KEY'] = input.bootstrapAdminKey;
  if (input.encryptionKey) env['VOXBRIDGE_ENCRYPTION_KEY'] = input.encryptionKey;
  return env;
}

export function helpText(): string {
  const ports = portPlan(DEFAULT_PORT_BASE)
    .map(({ service, port }) => `${service} ${port}`)
    .join(', ');
  const workers = REPLICATED_SERVICES.join(', ');
  const firstExtraPort = DEFAULT_PORT_BASE + LAST_OFFSET + 1;
  return `Usage: npm start [-- [--fake-providers] [--replicas N]]
       node dist/tools/launcher/main.js [--fake-providers] [--replicas N] [--help]

Runs the whole VoxBridge fleet on this machine: finds or starts NATS and Postgres, applies the
migrations, starts the eight services as separate processes (restarting any that crash), waits
until all are ready and prints their URLs. Ctrl-C stops everything; a second Ctrl-C kills at once.

Options:
  --fake-providers      start scripted fake STT (WhisperX), LLM (OpenRouter) and TTS (Chatterbox) servers
                        and point the services at them: talk without models, keys or network
  --replicas N          run N processes (1 to ${MAX_REPLICAS}, default ${DEFAULT_REPLICAS}) of each pipeline worker
                        (${workers}) to try failover; each is supervised and
                        announced on its own (stt-gateway#2, ...). Replica 1 keeps the service's port, the
                        others take the ports after the fleet's block (default base, N=2: ${firstExtraPort}-${firstExtraPort + extraPortCount(2) - 1}).
                        The other services run once. 8/8 ready: every replica of every service is ready
  -h, --help            this text

Environment:
  DATABASE_URL          Postgres to use. Default: an embedded Postgres, data in $VOXBRIDGE_HOME/postgres
  NATS_URL              NATS to use. Default: nats://127.0.0.1:${DEFAULT_NATS_PORT} if a server answers there,
                        else nats-server from PATH (JetStream, store in $VOXBRIDGE_HOME/nats)
  VOXBRIDGE_HOME        state folder. Default: <repository>/.voxbridge
  VOXBRIDGE_NAMESPACE   prefix of every subject of this fleet. Default: ${DEFAULT_NAMESPACE}
  VOXBRIDGE_PORT_BASE   first HTTP port; services use base+0 to base+${LAST_OFFSET} (replicas: the ports after). Default: ${DEFAULT_PORT_BASE}
  VOXBRIDGE_PG_PORT     port of the embedded Postgres. Default: ${DEFAULT_PG_PORT}
  HTTP_HOST             interface the services listen on. Default: 0.0.0.0
  VOXBRIDGE_BOOTSTRAP_ADMIN_KEY
                        first admin API key of agent-api (registered while the database has no key).
                        Default: generated once into $VOXBRIDGE_HOME/admin-key (0600), shown once
  VOXBRIDGE_ENCRYPTION_KEY
                        key for plugin secrets, <id>:<base64 32 bytes>. Default: generated once
                        into $VOXBRIDGE_HOME/encryption-key (0600), never printed
  LOG_LEVEL             services' log level (fatal|error|warn|info|debug|trace|silent). Default: info
  LOG_FORMAT            services' log format (json|pretty). Default: pretty in a terminal, else json
  NO_COLOR              no colours in the output

Ports with the default base: ${ports}.
`;
}
