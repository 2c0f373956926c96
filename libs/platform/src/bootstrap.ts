import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { queueGroup, ServiceExitCode, type ServiceName } from '@voxbridge/contracts';
import { ConfigError, loadConfig } from './config/load-config';
import { redactConfig } from './config/secret';
import { natsCredentials, type ServiceEnv } from './config/service-env';
import { HttpErrorFilter } from './http/http-error.filter';
import { httpValidationPipe } from './http/validation';
import { AppLogger } from './logging/app-logger';
import { NestLoggerAdapter } from './logging/nest-logger.adapter';
import { NamespacedNatsServer } from './nats/namespaced-nats';

export interface ServiceDefinition<E extends ServiceEnv> {
  service: ServiceName;
  env: new () => E;
  /** The app's root module for a given config (e.g. `AppModule.register`). */
  module: (config: E, logger: AppLogger) => DynamicModule;
  /** HTTP extras of the service (OpenAPI, CORS, WebSocket adapter...), applied before listening. */
  configure?: (app: INestApplication, config: E) => void | Promise<void>;
}

/**
 * Creates and starts one service: HTTP on HTTP_HOST:HTTP_PORT, the control plane on NATS in the
 * service's queue group. Used by main.ts and by integration tests (which pass HTTP_PORT=0).
 */
export async function startServiceApp<E extends ServiceEnv>(
  definition: ServiceDefinition<E>,
  config: E,
  logger: AppLogger,
): Promise<INestApplication> {
  const app = await NestFactory.create(definition.module(config, logger), {
    logger: new NestLoggerAdapter(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  app.useGlobalFilters(new HttpErrorFilter(logger, definition.service));
  app.useGlobalPipes(httpValidationPipe());
  app.connectMicroservice({
    strategy: new NamespacedNatsServer(config.VOXBRIDGE_NAMESPACE, {
      servers: config.NATS_URL.split(','),
      ...natsCredentials(config),
      queue: queueGroup(config.VOXBRIDGE_NAMESPACE, definition.service),
      name: `${definition.service}-control`,
      gracefulShutdown: true,
      gracePeriod: 100,
    }),
  });
  try {
    await definition.configure?.(app, config);
    await app.startAllMicroservices();
    await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** The port an app actually listens on (useful with HTTP_PORT=0). */
export function listeningPort(app: INestApplication): number {
  const address = (app.getHttpServer() as import('node:http').Server).address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * main.ts of every service: validate config (or exit 78 listing every problem), start, and on
 * SIGTERM/SIGINT close everything (NATS drained, DB pools closed) and exit 0.
 */
export async function runService<E extends ServiceEnv>(definition: ServiceDefinition<E>): Promise<void> {
  let config: E;
  try {
    config = loadConfig(definition.service, definition.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(ServiceExitCode.BadConfig);
    }
    throw error;
  }
  const logger = AppLogger.create({ service: definition.service, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  process.on('unhandledRejection', (reason) => logger.error('unhandled promise rejection', { err: reason }));

  let app: INestApplication;
  try {
    app = await startServiceApp(definition, config, logger);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      logger.fatal('HTTP port already in use', { port: config.HTTP_PORT, host: config.HTTP_HOST });
    } else {
      logger.fatal('service failed to start', { err: error });
    }
    process.exit(ServiceExitCode.Failed);
  }
  logger.info('service started', { port: listeningPort(app), namespace: config.VOXBRIDGE_NAMESPACE });
  logger.debug('service configuration', { config: redactConfig(config) });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('service stopping', { signal });
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting anyway', { timeout_ms: config.SHUTDOWN_TIMEOUT_MS });
      process.exit(ServiceExitCode.Failed);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await app.close();
      logger.info('service stopped', { signal });
      process.exit(ServiceExitCode.Stopped);
    } catch (error) {
      logger.error('shutdown failed', { err: error });
      process.exit(ServiceExitCode.Failed);
    }
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
  // Started by the fleet launcher with an IPC channel: if the launcher dies, stop with it.
  if (process.send) process.once('disconnect', () => void stop('SIGTERM'));
}
