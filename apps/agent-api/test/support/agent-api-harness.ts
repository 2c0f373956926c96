import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, DatabaseProxy, dropDatabase, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../../src/app.module';
import { AgentApiEnv } from '../../src/config/agent-api.env';
import { configureHttp } from '../../src/http/configure-http';
import { serviceSchema } from '../../src/persistence/schema';

export const agentApiDefinition = {
  service: 'agent-api' as const,
  env: AgentApiEnv,
  module: AppModule.register.bind(AppModule),
  configure: configureHttp,
};

/** A fresh API key in the format agent-api issues. */
export function newAdminKey(): string {
  return `vbk_${randomBytes(32).toString('base64url')}`;
}

/** A fresh `<key id>:<base64 32 bytes>` encryption key. */
export function newEncryptionKey(id = `k${randomBytes(3).toString('hex')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export interface AgentApiHarness {
  service: RunningService;
  baseUrl: string;
  namespace: string;
  databaseUrl: string;
  /** The admin key registered at first boot (VOXBRIDGE_BOOTSTRAP_ADMIN_KEY). */
  adminKey: string;
  /** With `{ databaseProxy: true }`: the proxy between agent-api and its database (cut it for an outage). */
  databaseProxy?: DatabaseProxy;
  /** fetch against the API with the admin key (or `key`), JSON in and out. */
  request(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * agent-api on real NATS and Postgres, in its own database (so first-boot behaviour — seeding,
 * the bootstrap admin key — happens for every harness) and its own namespace.
 */
export async function startAgentApi(env: Record<string, string> = {}, options: { databaseProxy?: boolean } = {}): Promise<AgentApiHarness> {
  const infra = testInfra();
  const databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_agent_api');
  await runMigrations(databaseUrl, [serviceSchema]);
  const databaseProxy = options.databaseProxy ? new DatabaseProxy(databaseUrl) : undefined;
  const serviceDatabaseUrl = databaseProxy ? await databaseProxy.listen() : databaseUrl;
  const namespace = env['VOXBRIDGE_NAMESPACE'] ?? uniqueNamespace();
  const adminKey = env['VOXBRIDGE_BOOTSTRAP_ADMIN_KEY'] ?? newAdminKey();
  const service = await bootService(agentApiDefinition, {
    NATS_URL: infra.natsUrl,
    DATABASE_URL: serviceDatabaseUrl,
    VOXBRIDGE_NAMESPACE: namespace,
    VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: adminKey,
    ...env,
  });
  const request: AgentApiHarness['request'] = async (method, path, body, key) => {
    const headers: Record<string, string> = {};
    const token = key === undefined ? adminKey : key;
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text; // not JSON (e.g. the docs page)
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    service,
    baseUrl: service.baseUrl,
    namespace,
    databaseUrl,
    adminKey,
    ...(databaseProxy ? { databaseProxy } : {}),
    request,
    close: async () => {
      await service.close();
      await databaseProxy?.close();
      await dropDatabase(infra.serverUrl, databaseUrl);
    },
  };
}
