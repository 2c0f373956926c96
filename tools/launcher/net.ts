import { createServer, Socket } from 'node:net';

/** True when something accepts TCP connections on host:port within timeoutMs. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export type NatsProbe = 'nats' | 'other' | 'closed';

/** What listens on host:port: a NATS server (it greets with an `INFO {...}` line), something else, or nothing. */
export function probeNats(host: string, port: number, timeoutMs = 1_000): Promise<NatsProbe> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let connected = false;
    let greeting = '';
    const done = (result: NatsProbe) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(connected ? 'other' : 'closed'));
    socket.once('error', () => done(connected ? 'other' : 'closed'));
    socket.once('close', () => done(connected ? 'other' : 'closed'));
    socket.on('data', (chunk: Buffer) => {
      greeting += chunk.toString('latin1');
      if (greeting.length >= 5 || greeting.includes('\n')) done(greeting.startsWith('INFO ') ? 'nats' : 'other');
    });
    socket.connect(port, host, () => {
      connected = true;
    });
  });
}

export type PortState = 'free' | 'in-use' | { error: string };

/** Whether a server could listen on host:port now (tried for real, then released). */
export function portState(host: string, port: number): Promise<PortState> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? 'in-use' : { error: `${error.code ?? 'error'}: ${error.message}` }),
    );
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/** A TCP port that was free a moment ago (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}
