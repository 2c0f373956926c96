import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Bus } from '@voxbridge/bus';
import type { ServiceName } from '@voxbridge/contracts';
import { dataSourceOptions, pingDatabase, type ServiceSchema } from '@voxbridge/persistence';
import { DataSource } from 'typeorm';
import { DatabaseServiceEnv, natsCredentials, ServiceEnv } from './config/service-env';
import { TurnFacts } from './facts/turn-facts';
import { FleetResponder } from './fleet/fleet-responder';
import { ProviderReports } from './fleet/provider-reports';
import { servicePingController } from './fleet/service-ping.controller';
import { HealthController } from './health/health.controller';
import { MetricsService } from './health/metrics.service';
import { ReadinessRegistry } from './health/readiness.registry';
import { AppLogger } from './logging/app-logger';
import { ServiceIdentity } from './service-identity';

export interface PlatformOptions<E extends ServiceEnv> {
  service: ServiceName;
  config: E;
  logger: AppLogger;
  /** For services that own a schema: their manifest (the config must then be a DatabaseServiceEnv). */
  schema?: ServiceSchema;
}

@Injectable()
class BusLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Bus) private readonly bus: Bus, readiness: ReadinessRegistry) {
    readiness.register('nats', () => {
      if (!bus.isConnected()) throw new Error('not connected');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.drain();
  }
}

@Injectable()
class DatabaseReadiness {
  constructor(dataSource: DataSource, readiness: ReadinessRegistry) {
    readiness.register('database', () => pingDatabase(dataSource, 1_000));
  }
}

/**
 * Everything a service needs to be a good citizen of the fleet: its validated config, structured
 * logger, bus connection, health/ready/metrics endpoints, the fleet health responder and (when it
 * owns a schema) its database. Global, so features inject these without re-importing.
 */
@Global()
@Module({})
export class PlatformModule {
  static forService<E extends ServiceEnv>(options: PlatformOptions<E>): DynamicModule {
    const { service, config, logger, schema } = options;
    const providers: Provider[] = [
      { provide: ServiceEnv, useValue: config },
      { provide: config.constructor, useValue: config },
      { provide: AppLogger, useValue: logger },
      { provide: ServiceIdentity, useValue: new ServiceIdentity(service, config.VOXBRIDGE_NAMESPACE) },
      { provide: MetricsService, useFactory: () => new MetricsService(service, config.VOXBRIDGE_NAMESPACE) },
      {
        provide: Bus,
        useFactory: () =>
          Bus.connect({
            servers: config.NATS_URL.split(','),
            namespace: config.VOXBRIDGE_NAMESPACE,
            name: service,
            logger: logger.child({ component: 'bus' }),
            ...natsCredentials(config),
          }),
      },
      ReadinessRegistry,
      BusLifecycle,
      { provide: ProviderReports, useFactory: () => new ProviderReports() },
      FleetResponder,
      TurnFacts,
    ];
    const imports: DynamicModule[] = [];
    if (schema) {
      if (!(config instanceof DatabaseServiceEnv)) {
        throw new Error(`${service} owns schema ${schema.schema} but its config does not extend DatabaseServiceEnv`);
      }
      imports.push(
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.DATABASE_URL, schema, { poolMax: config.DATABASE_POOL_MAX, applicationName: service }),
          retryAttempts: 2,
          retryDelay: 1_000,
        }),
      );
      providers.push(DatabaseReadiness);
    }
    return {
      module: PlatformModule,
      imports,
      controllers: [HealthController, servicePingController(service)],
      providers,
      exports: [ServiceEnv, config.constructor, AppLogger, ServiceIdentity, MetricsService, Bus, ReadinessRegistry, TurnFacts, ProviderReports],
    };
  }
}
