import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Bus } from '@voxbridge/bus';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '@voxbridge/contracts';
import { runMigrations, type ServiceSchema } from '@voxbridge/persistence';
import type { ServiceDefinition, ServiceEnv } from '@voxbridge/platform';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, testInfra } from '@voxbridge/testing';
import { envModulePath } from '../env-catalog';
import { roots } from '../generate';
import { startConfiguredNats, testNatsPassword, type ConfiguredNats } from './configured-nats';

// The eight services, each logged in to a private nats-server as its own user with exactly the
// generated permissions (deploy/nats/nats.conf), on a database of the caller's run. A service that
// touches a subject it was not granted shows up as a permission violation in the server's log, or
// never gets ready. Tools import no app statically: the apps are loaded at run time, as env-catalog does.

const { codeRoot, extension } = roots();
export const ACL_NAMESPACE = 'vb';

function load(path: string): Record<string, unknown> {
  return require(join(codeRoot, `${path}${extension}`)) as Record<string, unknown>;
}

function definitionOf(service: ServiceName): ServiceDefinition<ServiceEnv> {
  const env = Object.values(load(envModulePath(service))).find((v): v is new () => ServiceEnv => typeof v === 'function' && /Env$/.test(v.name));
  const { AppModule } = load(join('apps', service, 'src', 'app.module')) as { AppModule: { register: ServiceDefinition<ServiceEnv>['module'] } };
  if (!env) throw new Error(`${service}: no *Env class`);
  const configure = service === 'agent-api' ? (load(join('apps', service, 'src', 'http', 'configure-http'))['configureHttp'] as ServiceDefinition<ServiceEnv>['configure']) : undefined;
  return { service, env, module: (config, logger) => AppModule.register(config, logger), ...(configure ? { configure } : {}) };
}

function schemaOf(service: ServiceName): ServiceSchema {
  return load(join('apps', service, 'src', 'persistence', 'schema'))['serviceSchema'] as ServiceSchema;
}

/** nats-server log lines that show a service used what it was not granted (or could not log in). */
export const violations = (log: string): string[] => log.split('\n').filter((line) => /Violation|authentication error/i.test(line));

export interface AclFleetOptions {
  /** Prefix of the run's database name. */
  database: string;
  /** Extra variables per service (providers, fakes). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface AclFleet {
  nats: ConfiguredNats;
  /** The `admin` NATS user (operators' census), not a service. */
  admin: Bus;
  /** agent-api's bootstrap admin key. */
  adminKey: string;
  service(name: ServiceName): RunningService;
  /** agent-api's REST API with the admin key: status and parsed body. */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  violations(): string[];
  close(): Promise<void>;
}

/** Boots the fleet under its generated NATS users; closes what it started if a service fails to boot. */
export async function startAclFleet(options: AclFleetOptions): Promise<AclFleet> {
  const infra = testInfra();
  const adminKey = `vbk_${randomBytes(32).toString('base64url')}`;
  const encryptionKey = `k1:${randomBytes(32).toString('base64')}`;
  const running = new Map<ServiceName, RunningService>();
  let nats: ConfiguredNats | undefined;
  let databaseUrl: string | undefined;
  let admin: Bus | undefined;

  const close = async () => {
    await admin?.drain();
    for (const service of [...running.values()].reverse()) await service.close().catch(() => undefined);
    await nats?.stop();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  };
  const envOf = (service: ServiceName, natsUrl: string, dbUrl: string): Record<string, string> => {
    const env: Record<string, string> = { NATS_URL: natsUrl, NATS_USER: service, NATS_PASSWORD: testNatsPassword(service), VOXBRIDGE_NAMESPACE: ACL_NAMESPACE };
    if (SERVICES[service].schema) env['DATABASE_URL'] = dbUrl;
    if (service === 'agent-api' || service === 'discord-connector' || service === 'plugin-supervisor') env['VOXBRIDGE_ENCRYPTION_KEY'] = encryptionKey;
    if (service === 'agent-api') env['VOXBRIDGE_BOOTSTRAP_ADMIN_KEY'] = adminKey;
    return { ...env, ...options.env?.[service] };
  };

  try {
    nats = await startConfiguredNats(ACL_NAMESPACE);
    databaseUrl = await createTestDatabase(infra.serverUrl, options.database);
    await runMigrations(
      databaseUrl,
      SERVICE_NAMES.filter((s) => SERVICES[s].schema).map((s) => schemaOf(s)),
    );
    for (const service of SERVICE_NAMES) running.set(service, await bootService(definitionOf(service), envOf(service, nats.url, databaseUrl)));
    admin = await Bus.connect({ servers: nats.url, namespace: ACL_NAMESPACE, name: 'acl-test-admin', user: 'admin', pass: testNatsPassword('admin') });
  } catch (error) {
    await close();
    throw error;
  }

  const started = { nats, admin };
  const service = (name: ServiceName) => {
    const found = running.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };
  return {
    ...started,
    adminKey,
    service,
    async api<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${service('agent-api').baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    violations: () => violations(started.nats.log()),
    close,
  };
}
