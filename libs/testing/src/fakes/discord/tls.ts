import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import tls = require('node:tls');

/**
 * @discordjs/voice always opens `wss://<endpoint>?v=8`, so the fake voice server needs TLS. The
 * fake makes a self-signed certificate for 127.0.0.1 and localhost once per process (openssl CLI,
 * in Debian's base image) and keeps it in a temp folder.
 */
export interface FakeDiscordTls {
  keyPem: string;
  certPem: string;
  /** The certificate as a file: give it to a bot in another process as `NODE_EXTRA_CA_CERTS`. */
  certFile: string;
}

let material: Promise<FakeDiscordTls> | undefined;

export function fakeDiscordTls(): Promise<FakeDiscordTls> {
  material ??= makeSelfSigned();
  return material;
}

async function makeSelfSigned(): Promise<FakeDiscordTls> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-discord-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-days', '3650', '-subj', '/CN=fake-discord-voice',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile,
  ]);
  return { keyPem: await readFile(keyFile, 'utf8'), certPem: await readFile(certFile, 'utf8'), certFile };
}

type TlsConnect = typeof tls.connect;
const trustedPorts = new Map<number, string>();
let originalConnect: TlsConnect | undefined;

/**
 * Makes TLS clients in THIS process trust the fake voice server's certificate, for connections to
 * 127.0.0.1/localhost on the given ports only (nothing else in the process changes). Needed
 * because @discordjs/voice creates its WebSocket with no TLS options. Returns the undo.
 * For a bot in another process, pass `NODE_EXTRA_CA_CERTS=<certFile>` in its environment instead.
 */
export function trustFakeDiscordTlsInProcess(ports: readonly number[], certPem: string): () => void {
  for (const port of ports) trustedPorts.set(port, certPem);
  if (!originalConnect) {
    const original = tls.connect;
    originalConnect = original;
    const patched = function (this: unknown, ...args: unknown[]): tls.TLSSocket {
      const options = args[0];
      if (typeof options === 'object' && options !== null && !('ca' in options && (options as tls.ConnectionOptions).ca)) {
        const { host, port } = options as tls.ConnectionOptions;
        const pem = typeof port === 'number' || typeof port === 'string' ? trustedPorts.get(Number(port)) : undefined;
        if (pem && (host === '127.0.0.1' || host === 'localhost')) args[0] = { ...(options as object), ca: pem };
      }
      return (original as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
    };
    (tls as { connect: TlsConnect }).connect = patched as TlsConnect;
  }
  return () => {
    for (const port of ports) trustedPorts.delete(port);
    if (trustedPorts.size === 0 && originalConnect) {
      (tls as { connect: TlsConnect }).connect = originalConnect;
      originalConnect = undefined;
    }
  };
}
