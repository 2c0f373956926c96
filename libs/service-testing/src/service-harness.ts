import type { INestApplication } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { FleetHealthPing, FleetHealthReply, FleetSubjects, type ServiceName } from '@voxbridge/contracts';
import {
  AppLogger,
  listeningPort,
  loadConfig,
  NamespacedNatsClient,
  servicePingSubject,
  startServiceApp,
  type ServiceDefinition,
  type ServiceEnv,
} from '@voxbridge/platform';
import { firstValueFrom } from 'rxjs';

/** Logs of services under test: silent unless VB_TEST_LOG=debug|info|warn... is set. */
export function testLogger(service: string): AppLogger {
  const level = (process.env['VB_TEST_LOG'] ?? 'silent') as 'silent';
  return AppLogger.create({ service, level, format: 'json' });
}

export interface RunningService {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/** Boots one service in-process on real NATS (and Postgres), on a free port, in the given namespace. */
export async function bootService<E extends ServiceEnv>(
  definition: ServiceDefinition<E>,
  env: Record<string, string>,
): Promise<RunningService> {
  const config = loadConfig(definition.service, definition.env, { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', ...env });
  const app = await startServiceApp(definition, config, testLogger(definition.service));
  return {
    app,
    baseUrl: `http://127.0.0.1:${listeningPort(app)}`,
    close: () => app.close(),
  };
}

/** Asks every replica in the namespace for its health (the fleet census), waiting `waitMs`. */
export async function fleetCensus(bus: Bus, waitMs = 500): Promise<FleetHealthReply[]> {
  return bus.gather(FleetSubjects.healthPing, new FleetHealthPing(), FleetHealthReply, { maxWaitMs: waitMs });
}

/** Pings one replica of `service` through Nest's NATS transport (its queue group). */
export async function pingService(natsUrl: string, namespace: string, service: ServiceName): Promise<FleetHealthReply> {
  const client = new NamespacedNatsClient(namespace, { servers: natsUrl.split(',') });
  try {
    await client.connect();
    return await firstValueFrom(client.send<FleetHealthReply>(servicePingSubject(service), {}));
  } finally {
    await client.close();
  }
}
