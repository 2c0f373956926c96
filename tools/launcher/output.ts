import { SERVICE_NAMES, type ServiceName } from '@voxbridge/contracts';
import type { ServiceReplica } from './config';

/** Cuts a stream of chunks into lines; a line split across chunks is kept until its end arrives. */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split(/\r?\n/);
    this.pending = parts.pop() ?? '';
    return parts;
  }

  /** The unfinished last line, if any (call when the stream ends). */
  flush(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest ? [rest] : [];
  }
}

/** The last `size` lines seen, for error reports. */
export class Tail {
  private readonly lines: string[] = [];

  constructor(private readonly size = 10) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }

  clear(): void {
    this.lines.length = 0;
  }
}

const RESET = '\u001b[0m';
export const COLOURS = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  brightBlue: '\u001b[94m',
  brightMagenta: '\u001b[95m',
} as const;
export type Colour = keyof typeof COLOURS;

const SERVICE_COLOURS: Colour[] = ['cyan', 'magenta', 'blue', 'yellow', 'green', 'brightMagenta', 'brightBlue', 'red'];
export const LAUNCHER_LABEL = 'launcher';
/** Width of the name column: the longest service name (replica names, `tts-gateway#8`, are shorter). */
export const LABEL_WIDTH = Math.max(LAUNCHER_LABEL.length, ...SERVICE_NAMES.map((name) => name.length));

export function paint(text: string, colour: Colour, enabled: boolean): string {
  return enabled ? `${COLOURS[colour]}${text}${RESET}` : text;
}

export function serviceColour(service: ServiceName): Colour {
  return SERVICE_COLOURS[SERVICE_NAMES.indexOf(service) % SERVICE_COLOURS.length] ?? 'cyan';
}

/** `agent-api         │ <line>`: the label padded to one width, coloured in a terminal. */
export function prefixLine(label: string, line: string, colour: Colour | null): string {
  const padded = label.padEnd(LABEL_WIDTH);
  return `${colour ? paint(padded, colour, true) : padded} │ ${line}`;
}

/**
 * Progress while booting: `ready 3/8: agent-api, session-store, stt-gateway`, and `8/8 ready` at the
 * end. A service counts once all its replicas are ready.
 */
export function progressText(ready: readonly ServiceName[], total = SERVICE_NAMES.length): string {
  if (ready.length >= total) return `${total}/${total} ready`;
  const ordered = SERVICE_NAMES.filter((name) => ready.includes(name));
  return `ready ${ready.length}/${total}${ordered.length ? `: ${ordered.join(', ')}` : ''}`;
}

export function formatMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

export interface BannerInfo {
  version: string;
  namespace: string;
  bootMs: number;
  /** Host to print in URLs (`localhost` unless the services listen on one interface). */
  host: string;
  /** Every process of the fleet, replicas included, in fleet order. */
  ports: ReadonlyArray<Pick<ServiceReplica, 'service' | 'name' | 'port'>>;
  /** Processes of each pipeline worker (`--replicas`). */
  replicas: number;
  nats: string;
  postgres: string;
  fakeProviders: boolean;
  /** Where the admin API key is kept (when the launcher manages it). */
  adminKeyFile?: string;
  /** The key itself: shown only on an interactive terminal, so that it never lands in a log file. */
  adminKey?: string;
}

/** What a user needs once the fleet is up: where the API is, how to check it, how to stop it. */
export function bannerLines(info: BannerInfo): string[] {
  const url = (port: number, path = '') => `http://${info.host}:${port}${path}`;
  const apiPort = info.ports.find((p) => p.service === 'agent-api')?.port ?? 0;
  const notes = [`namespace ${info.namespace}`, ...(info.replicas > 1 ? [`${info.replicas} replicas per worker`] : []), ...(info.fakeProviders ? ['fake providers'] : [])];
  const rule = '─'.repeat(78);
  const width = LABEL_WIDTH + 2;
  return [
    rule,
    `VoxBridge ${info.version}: ${progressText(SERVICE_NAMES)} in ${formatMs(info.bootMs)} (${notes.join(', ')})`,
    '',
    `  ${'Web app'.padEnd(width)}${url(apiPort, '/')}`,
    `  ${'API'.padEnd(width)}${url(apiPort, '/api')}`,
    `  ${'API docs'.padEnd(width)}${url(apiPort, '/api/docs')}`,
    `  ${'Fleet health'.padEnd(width)}${url(apiPort, '/api/fleet/health')}`,
    ...(info.adminKey && info.adminKeyFile
      ? [`  ${'Admin API key'.padEnd(width)}${info.adminKey}  (kept in ${info.adminKeyFile}; sign in with it)`]
      : info.adminKeyFile
        ? [`  ${'Admin API key'.padEnd(width)}${info.adminKeyFile}  (Authorization: Bearer <key>)`]
        : []),
    '',
    ...info.ports.map(({ name, port }) => `  ${name.padEnd(width)}${url(port, '/health')}   ${url(port, '/metrics')}`),
    '',
    `  ${'NATS'.padEnd(width)}${info.nats}`,
    `  ${'Postgres'.padEnd(width)}${info.postgres}`,
    '',
    'Ctrl-C stops the fleet.',
    rule,
  ];
}

/** The launcher's own lines and the services' lines, each prefixed with who said it. */
export class Output {
  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream,
    readonly colour: boolean,
  ) {}

  info(text: string, colour?: Colour): void {
    this.stdout.write(this.launcherLines(text, colour));
  }

  /** Problems the user must see: on stderr, so they survive `> /dev/null`. */
  error(text: string): void {
    this.stderr.write(this.launcherLines(text, 'red'));
  }

  private launcherLines(text: string, colour: Colour | undefined): string {
    const label = this.colour ? 'bold' : null;
    return text
      .split('\n')
      .map((line) => `${prefixLine(LAUNCHER_LABEL, colour ? paint(line, colour, this.colour) : line, label)}\n`)
      .join('');
  }

  /** A line a service wrote, prefixed with its name (`stt-gateway#2` for a replica) in its service's colour. */
  service(who: Pick<ServiceReplica, 'service' | 'name'>, line: string): void {
    this.stdout.write(`${prefixLine(who.name, line, this.colour ? serviceColour(who.service) : null)}\n`);
  }

  /** Unprefixed block (help, banner). */
  block(lines: readonly string[]): void {
    this.stdout.write(`${lines.join('\n')}\n`);
  }
}
