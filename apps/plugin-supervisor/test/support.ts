import { Writable } from 'node:stream';
import { join, resolve } from 'node:path';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import {
  PluginContracts,
  PluginRuntimeReply,
  queueGroup,
  SessionSubjects,
  streamName,
  type MessageDto,
  type PluginConfigEntry,
  type PluginRuntimeDto,
  type TurnRecordedEvent,
} from '@voxbridge/contracts';
import { AppLogger, listeningPort, loadConfig, startServiceApp } from '@voxbridge/platform';
import { encryptField, parseEncryptionKey } from '@voxbridge/plugin-sdk';
import { testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { PluginSupervisorEnv } from '../src/config/plugin-supervisor.env';

export const FIXTURES = join(__dirname, 'fixtures');
export const EXAMPLE = resolve(__dirname, '..', '..', '..', 'docs', 'plugins-example');

export const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** agent-api's plugin list, served by the test (the entries as agent-api would send them). */
export class FakePluginConfigs {
  entries: PluginConfigEntry[] = [];
  private subscription: BusSubscription | undefined;

  serve(bus: Bus): void {
    this.subscription = bus.serve(PluginContracts.configs, (req) => ({ plugins: this.entries.filter((e) => !req.agent_id || e.agent_id === req.agent_id) }), {
      queue: queueGroup(bus.namespace, 'agent-api'),
    });
  }

  close(): void {
    this.subscription?.unsubscribe();
  }
}

export function entry(agentId: string, pluginType: string, settings: Record<string, unknown> = {}, secrets: Record<string, unknown> = {}): PluginConfigEntry {
  return { agent_id: agentId, agent_name: `Agent ${agentId.slice(0, 4)}`, plugin_type: pluginType, updated_at: new Date().toISOString(), settings: { enabled: true, ...settings }, secrets };
}

export function seal(keyText: string, agentId: string, pluginType: string, field: string, plaintext: string) {
  return encryptField(plaintext, parseEncryptionKey(keyText), { agentId, pluginType, field });
}

/** Every replica's plugins, flattened. */
export async function runtime(bus: Bus, waitMs = 600): Promise<PluginRuntimeDto[]> {
  const replies = await bus.gather(PluginContracts.runtime.subject, {}, PluginRuntimeReply, { maxWaitMs: waitMs });
  return replies.flatMap((reply) => reply.plugins);
}

export async function pluginOf(bus: Bus, agentId: string, pluginType: string): Promise<PluginRuntimeDto | undefined> {
  return (await runtime(bus)).find((p) => p.agent_id === agentId && p.plugin_type === pluginType);
}

/** A stored turn as session-store announces it. */
export function turn(agentId: string, sessionId: string, userText: string, assistantText: string, speaker = 'Alice'): TurnRecordedEvent {
  const turnId = randomUUID();
  const at = new Date().toISOString();
  const message = (role: 'user' | 'assistant', content: string): MessageDto => ({
    id: randomUUID(),
    session_id: sessionId,
    turn_id: turnId,
    role,
    content,
    speaker: role === 'user' ? speaker : null,
    created_at: at,
    stt_latency_ms: null,
    llm_ttft_ms: null,
    tts_ttfb_ms: null,
    total_latency_ms: null,
    overhead_ms: null,
    interrupted: false,
    provider: null,
    model: null,
    timeline: null,
  });
  return { session_id: sessionId, agent_id: agentId, turn_id: turnId, messages: [message('assistant', assistantText), message('user', userText)] };
}

export function publishTurn(bus: Bus, event: TurnRecordedEvent): void {
  bus.publishJson(SessionSubjects.turnRecorded, event);
}

export interface Supervisor {
  instanceUrl: string;
  close(): Promise<void>;
}

/** A supervisor in process, its JSON log lines collected in `logs` (debug level: everything it says). */
export async function bootSupervisor(env: Record<string, string>, logs: string[]): Promise<Supervisor> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig('plugin-supervisor', PluginSupervisorEnv, { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', ...env });
  const logger = AppLogger.create({ service: 'plugin-supervisor', level: 'debug', format: 'json', destination: sink });
  const app = await startServiceApp({ service: 'plugin-supervisor', env: PluginSupervisorEnv, module: (c, l) => AppModule.register(c, l) }, config, logger);
  return { instanceUrl: `http://127.0.0.1:${listeningPort(app)}`, close: () => app.close() };
}

export function baseEnv(namespace: string, keyText: string): Record<string, string> {
  return {
    NATS_URL: testInfra().natsUrl,
    VOXBRIDGE_NAMESPACE: namespace,
    DATABASE_URL: testInfra().databaseUrl,
    VOXBRIDGE_ENCRYPTION_KEY: keyText,
    PLUGIN_LEASE_MS: '1500',
    PLUGIN_SAMPLE_MS: '250',
    PLUGIN_HOOK_TIMEOUT_MS: '300',
    PLUGIN_RESTART_BASE_MS: '100',
    PLUGIN_RESTART_MAX_MS: '400',
    PLUGIN_CRASH_LOOP_CRASHES: '3',
    PLUGIN_CRASH_WINDOW_MS: '60000',
    PLUGIN_MODULES: [
      `cpu-burner=${join(FIXTURES, 'cpu-burner.plugin.ts')}`,
      `memory-leaker=${join(FIXTURES, 'memory-leaker.plugin.ts')}`,
      `crasher=${join(FIXTURES, 'crasher.plugin.ts')}`,
      `hanger=${join(FIXTURES, 'hanger.plugin.ts')}`,
      `keyword-alert=${EXAMPLE}`,
    ].join(','),
  };
}

export async function deleteLeaseBucket(bus: Bus): Promise<void> {
  const jsm = await bus.connection.jetstreamManager();
  await jsm.streams.delete(`KV_${streamName(bus.namespace, 'leases-plugins')}`).catch(() => false);
}

/** The value, or a failed assertion naming what was missing. */
export function defined<T>(value: T | undefined | null, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}
