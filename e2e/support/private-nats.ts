import { canConnect, freePort } from '@voxbridge/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_TIMEOUT_MS = 10_000;

/**
 * A `nats-server` from PATH that one test owns (JetStream, a store dir of its own, a free port on
 * 127.0.0.1), so the test can crash it and start it again on the same port and store, as an
 * operator's NATS would come back after a crash.
 */
export class PrivateNats {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  static async start(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort(), mkdtempSync(join(tmpdir(), 'vb-e2e-nats-')));
    try {
      await nats.spawn();
    } catch (error) {
      await nats.stop();
      throw error;
    }
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, as a crash: no lame-duck mode, no goodbye to the clients. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.isRunning()) this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Starts it again with the same port and store; resolves once it accepts connections. */
  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  /** SIGTERM (SIGKILL after 5 s), then its store is removed. */
  async stop(): Promise<void> {
    if (this.isRunning()) {
      this.child?.kill('SIGTERM');
      const killer = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(killer);
    }
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async spawn(): Promise<void> {
    const child = spawn('nats-server', ['-js', '-sd', this.storeDir, '-p', String(this.port), '-a', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((done) => child.once('exit', () => done()));
    const failed = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`cannot start nats-server from PATH: ${error.message}`))));
    failed.catch(() => undefined); // raced below; an error after the server is up has nothing to fail
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await Promise.race([canConnect('127.0.0.1', this.port, 200), failed]))) {
      if (!this.isRunning() || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nats-server did not start on port ${this.port}: ${this.stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
