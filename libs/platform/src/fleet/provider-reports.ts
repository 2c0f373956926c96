import type { ProviderStage, ProviderState } from '@voxbridge/contracts';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';

/** Outcome of one reachability check. */
export interface ProbeResult {
  reachable: boolean;
  detail?: string;
}

/** What a pipeline worker's `auto` stands for: the probe answers whether it is reachable. */
export interface ProviderDescription {
  stage: ProviderStage;
  kind: string;
  resolved: string;
  /** A URL (credentials are removed before it is reported) or `local`. */
  target: string;
  detail?: string;
  fake?: boolean;
  probe: () => Promise<ProbeResult>;
}

/** The URL with user, password, query and fragment removed (they may hold credentials). */
export function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'invalid URL';
  }
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443 };

/**
 * Whether a server accepts connections at `url`'s host and port within `timeoutMs`. Nothing is
 * sent: a check costs the provider no request, no tokens and no log line (and a test's fake
 * server records nothing). A refused connection, a DNS failure or silence is not reachable.
 */
export function serverReachable(url: string, timeoutMs = 2_000): Promise<ProbeResult> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname.replace(/^\[|\]$/g, '');
    port = parsed.port ? Number(parsed.port) : (DEFAULT_PORTS[parsed.protocol] ?? 80);
  } catch {
    return Promise.resolve({ reachable: false, detail: 'invalid URL' });
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ reachable: false, detail: `no answer within ${timeoutMs} ms` }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ reachable: false, detail: error.code ?? error.message }));
    socket.once('connect', () => done({ reachable: true }));
  });
}

/** Whether `binary` (a name looked up on PATH, or a path) can be run here (`command -v`, no engine started). */
export function commandAvailable(binary: string, timeoutMs = 2_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', 'command -v "$1"', 'sh', binary], { timeout: timeoutMs }, (error, stdout) => {
      const found = stdout.trim();
      resolve(error || !found ? { reachable: false, detail: `${binary} not found on PATH` } : { reachable: true, detail: found });
    });
  });
}

interface Cached {
  result: ProbeResult | null;
  checkedAt: Date | null;
  running: Promise<void> | null;
}

/**
 * The providers of a pipeline worker for the fleet census. Checks run in the background and their
 * results are kept for `maxAgeMs`: `report()` never waits for one, it answers what the last check
 * found (`reachable: null` before the first) and starts a new check when that one is stale.
 */
export class ProviderReports {
  private source: (() => ProviderDescription[]) | undefined;
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly maxAgeMs = 30_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Called once by the worker: what its providers are (read on every report, so config is current). */
  register(source: () => ProviderDescription[]): void {
    this.source = source;
    this.report();
  }

  /** The providers' state now; empty for a service that registered none. */
  report(): ProviderState[] {
    if (!this.source) return [];
    return this.source().map((description) => {
      const key = `${description.stage}|${description.resolved}|${description.target}`;
      const cached = this.cache.get(key) ?? { result: null, checkedAt: null, running: null };
      this.cache.set(key, cached);
      const stale = !cached.checkedAt || this.now().getTime() - cached.checkedAt.getTime() >= this.maxAgeMs;
      if (stale && !cached.running) this.refresh(cached, description);
      // A failure says why; a local engine found says which one; an HTTP status says nothing useful.
      const fromProbe = cached.result?.reachable === false || description.target === 'local' ? cached.result?.detail : undefined;
      const detail = fromProbe ?? description.detail;
      return {
        stage: description.stage,
        kind: description.kind,
        resolved: description.resolved,
        target: description.target === 'local' ? 'local' : publicUrl(description.target),
        reachable: cached.result?.reachable ?? null,
        checked_at: cached.checkedAt?.toISOString() ?? null,
        ...(description.fake ? { fake: true } : {}),
        ...(detail ? { detail: detail.slice(0, 500) } : {}),
      };
    });
  }

  /** Resolves once every check started so far has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.cache.values()].map((c) => c.running));
  }

  private refresh(cached: Cached, description: ProviderDescription): void {
    cached.running = description
      .probe()
      .catch((error: unknown): ProbeResult => ({ reachable: false, detail: (error as Error).message }))
      .then((result) => {
        cached.result = result;
        cached.checkedAt = this.now();
        cached.running = null;
      });
  }
}
