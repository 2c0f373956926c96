import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a Postgres (or any TCP server) that a test controls: `cut()` is a server
 * that died (every connection dropped, new ones refused), `freeze()` one that hangs (SIGSTOP: bytes
 * held, nothing answered), `restore()` heals both. Deterministic, unlike stopping a real server.
 */
export class DatabaseProxy {
  private mode: 'open' | 'cut' | 'frozen' = 'open';
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; held: Array<() => void> }>();
  private server?: Server;
  private readonly host: string;
  private readonly port: number;

  /** `databaseUrl`: where the real server is (host and port are taken from it). */
  constructor(private readonly databaseUrl: string) {
    const url = new URL(databaseUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 5432);
  }

  /** Starts listening; resolves to `databaseUrl` with the proxy's host and port. */
  async listen(): Promise<string> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = new URL(this.databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(typeof address === 'object' && address ? address.port : 0);
    return url.toString();
  }

  cut(): void {
    this.mode = 'cut';
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  freeze(): void {
    this.mode = 'frozen';
  }

  restore(): void {
    this.mode = 'open';
    for (const pair of this.pairs) pair.held.splice(0).forEach((send) => send());
  }

  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(this.port, this.host);
    const pair = { client, upstream, held: [] as Array<() => void> };
    this.pairs.add(pair);
    const forward = (to: Socket) => (chunk: Buffer) => {
      const send = () => to.write(chunk);
      if (this.mode === 'frozen') pair.held.push(send);
      else send();
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}
