import 'reflect-metadata';
import { SERVICE_NAMES, type ServiceName } from '@voxbridge/contracts';
import { redactSecrets } from '@voxbridge/persistence';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { migrateAll } from '../migrate/migrate';
import { childEnv, helpText, loadLauncherConfig, parseArgs, REPLICATED_SERVICES, replicaPlan, type LauncherConfig, type ServiceReplica } from './config';
import { lockHome, prepareHome, shortPath } from './home';
import { startFakeProviders } from './fake-providers';
import { exitCodeOf, LauncherError, LauncherErrorCode } from './launcher.errors';
import { Cleanup, type ResolvedInfra } from './lifecycle';
import { resolveNats } from './nats';
import { portState } from './net';
import { bannerLines, formatMs, Output, paint, progressText } from './output';
import { resolvePostgres } from './postgres';
import { killAllTrackedGroups } from './process';
import { askProviders, missingStages, providerLines } from './providers';
import { FleetReadiness } from './readiness';
import { prepareSecrets, type LauncherSecrets } from './secrets';
import { Supervisor, type SupervisorListener } from './supervisor';

// dist/tools/launcher/main.js -> dist/, where the compiled services are; the repository is above it.
const codeRoot = resolve(__dirname, '..', '..');
const repoRoot = basename(codeRoot) === 'dist' ? dirname(codeRoot) : codeRoot;
const STILL_WAITING_EVERY_MS = 30_000;

const out = new Output(process.stdout, process.stderr, process.stdout.isTTY === true && !process.env['NO_COLOR']);
const cleanup = new Cleanup();
let stopping = false;
let forced = false;
const FORCED_EXIT_CODE = 130;
let releaseLock: () => void = () => undefined;

/** Stops what was started (services, then NATS, then Postgres) and exits. */
async function shutdown(code: number, force: boolean): Promise<void> {
  stopping = true;
  if (force) forced = true;
  // A forced stop overtakes a graceful one still running: only its report and exit code count.
  const reporting = () => force || !forced;
  await cleanup.runAll(
    force,
    (name, error) => out.error(`stopping ${name} failed: ${error instanceof Error ? error.message : String(error)}`),
    (name) => reporting() && out.info(`stopped ${name}`),
  );
  releaseLock();
  const exitCode = forced ? FORCED_EXIT_CODE : code;
  out.info(`stopped (exit ${exitCode})`);
  process.exit(exitCode);
}

function installSignalHandlers(): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      out.info(`${signal}: stopping the fleet (Ctrl-C again to kill everything at once)`);
      void shutdown(0, false);
    } else {
      out.error(`${signal} again: killing everything now`);
      void shutdown(FORCED_EXIT_CODE, true);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

function serviceEntries(): Map<ServiceName, string> {
  const entries = new Map(SERVICE_NAMES.map((service) => [service, join(codeRoot, 'apps', service, 'src', 'main.js')]));
  const missing = [...entries.values()].filter((entry) => !existsSync(entry));
  if (missing.length > 0) {
    throw new LauncherError(
      LauncherErrorCode.NotBuilt,
      `not built: ${missing.map((entry) => relative(repoRoot, entry)).join(', ')} missing — run npm run build (npm start builds first)`,
    );
  }
  return entries;
}

async function assertPortsFree(plan: ServiceReplica[], host: string): Promise<void> {
  const states = await Promise.all(plan.map(async (entry) => ({ ...entry, state: await portState(host, entry.port) })));
  const problems = states.flatMap(({ name, port, state }) => {
    if (state === 'free') return [];
    if (state === 'in-use') return [`port ${port} (${name}) is already in use — stop what uses it or set VOXBRIDGE_PORT_BASE`];
    return [`port ${port} (${name}) cannot be used on ${host}: ${state.error}`];
  });
  if (problems.length === plan.length) problems.push('every port of the fleet is taken: is another VoxBridge fleet running?');
  if (problems.length > 0) throw new LauncherError(LauncherErrorCode.PortInUse, problems.join('\n'));
}

async function migrate(databaseUrl: string): Promise<void> {
  const startedMs = Date.now();
  try {
    const result = await migrateAll(databaseUrl, {
      info: (message) => {
        if (message.startsWith('waiting') || message === 'database created') out.info(`migrations: ${message}`);
      },
    });
    const count = result.schemas.reduce((sum, { applied }) => sum + applied.length, 0);
    const changed = result.schemas.filter(({ applied }) => applied.length > 0).map(({ schema }) => schema);
    const summary = count ? `applied ${count} to ${changed.join(', ')}` : `${result.schemas.length} schemas up to date`;
    out.info(`migrations: ${summary} (${formatMs(Date.now() - startedMs)})`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LauncherError(LauncherErrorCode.MigrationFailed, `migrations failed: ${redactSecrets(message, databaseUrl)}`);
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

/**
 * Shows the services' output and the fleet's progress; prints the banner once all eight are ready,
 * a service counting as ready when all its replicas are.
 */
function fleetListener(
  config: LauncherConfig,
  plan: ServiceReplica[],
  nats: ResolvedInfra,
  postgres: ResolvedInfra,
  bootStartedMs: number,
  secrets: LauncherSecrets,
): SupervisorListener {
  const readiness = new FleetReadiness(plan);
  let lastProgress = '';
  let fleetReady = false;
  const wildcard = ['0.0.0.0', '::', ''].includes(config.httpHost);
  const stillWaiting = setInterval(() => {
    out.info(`still waiting for ${readiness.waiting().join(', ')} (${formatMs(Date.now() - bootStartedMs)})`, 'yellow');
  }, STILL_WAITING_EVERY_MS);
  stillWaiting.unref();
  return {
    line: (replica, line) => out.service(replica, line),
    started: (replica, pid, restarts) => out.info(`started ${replica.name} pid=${pid}${restarts ? ` (restart ${restarts})` : ''}`),
    ready: (replica, pid, restarts) => {
      readiness.ready(replica.name);
      if (fleetReady) {
        out.info(`${replica.name} is ready again (pid ${pid}, restart ${restarts})`, 'green');
        return;
      }
      // The banner itself says 8/8 ready.
      if (!readiness.complete) {
        // A replica whose service still waits for another one changes nothing worth a line.
        const progress = progressText(readiness.readyServices());
        if (progress !== lastProgress) out.info(progress);
        lastProgress = progress;
        return;
      }
      fleetReady = true;
      clearInterval(stillWaiting);
      out.block(
        bannerLines({
          version: packageVersion(),
          namespace: config.namespace,
          bootMs: Date.now() - bootStartedMs,
          host: wildcard ? 'localhost' : config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost,
          ports: plan,
          replicas: config.replicas,
          nats: nats.description,
          postgres: postgres.description,
          fakeProviders: config.fakeProviders,
          adminKeyFile: secrets.adminKey ? shortPath(secrets.adminKey.file) : undefined,
          adminKey: process.stdout.isTTY ? secrets.adminKey?.value : undefined,
        }).map((line) => (line.includes('8/8 ready') ? paint(line, 'green', out.colour) : line)),
      );
      void announceProviders(config, nats);
    },
    misconfigured: (replica, lastLines) => {
      readiness.lost(replica.name);
      out.error(`${replica.name} refused its configuration; restarting cannot help, so the fleet stops:`);
      lastLines.forEach((line) => out.error(`  ${line}`));
      void shutdown(1, false);
    },
    crashed: (replica, report) => {
      readiness.lost(replica.name);
      const how = report.signal ? `killed by ${report.signal}` : `exit code ${report.code ?? 'unknown'}`;
      out.error(
        `${replica.name} crashed (${how}) after ${formatMs(report.ranMs)}; restarting in ${formatMs(report.restartInMs)}` +
          (report.crashes > 1 ? ` (${report.crashes} crashes in a row)` : ''),
      );
      if (report.lastLines.length) {
        out.error(`last lines of ${replica.name}:`);
        report.lastLines.forEach((line) => out.error(`  ${line}`));
      }
    },
  };
}

/** After the banner: what each stage's `auto` provider is and whether it answers (from the fleet census). */
async function announceProviders(config: LauncherConfig, nats: ResolvedInfra): Promise<void> {
  try {
    const ask = () =>
      askProviders({ natsUrl: nats.url, namespace: config.namespace, user: process.env['NATS_USER'], pass: process.env['NATS_PASSWORD'] });
    let providers = await ask();
    // The workers check their providers in the background from start-up; give the first checks a moment.
    if (providers.some((p) => p.reachable === null)) {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      providers = await ask();
    }
    for (const line of providerLines(providers)) out.info(`provider ${line}`, line.includes('— ok') ? 'green' : 'yellow');
    const missing = missingStages(providers);
    if (missing.length) out.info(`provider state unknown for ${missing.join(', ')} (no answer to the fleet census)`, 'yellow');
  } catch (error) {
    out.info(`could not ask the fleet for its providers: ${(error as Error).message}`, 'yellow');
  }
}

/** The admin key is printed once, when generated; later only where it is. The encryption key never. */
function announceSecrets(secrets: LauncherSecrets): void {
  const { adminKey, encryptionKey } = secrets;
  if (adminKey?.created) {
    const rule = '━'.repeat(78);
    out.info(`${rule}\nAdmin API key (shown once, also in ${shortPath(adminKey.file)}): ${adminKey.value}\n${rule}`, 'yellow');
  } else if (adminKey) {
    out.info(`admin API key in ${shortPath(adminKey.file)} (agent-api registers it only while its database has no API key)`);
  }
  if (encryptionKey?.created) out.info(`encryption key for plugin secrets generated in ${shortPath(encryptionKey.file)}`);
}

async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.kind === 'help') {
    out.block([helpText()]);
    return;
  }
  const config = loadLauncherConfig(process.env, repoRoot, args);
  const entries = serviceEntries();
  const plan = replicaPlan(config.portBase, config.replicas);
  await assertPortsFree(plan, config.httpHost);

  prepareHome(config.home);
  releaseLock = lockHome(config.home);
  installSignalHandlers();
  const bootStartedMs = Date.now();
  const ports = plan.map(({ port }) => port);
  const replicas = config.replicas > 1 ? `, ${config.replicas} replicas of ${REPLICATED_SERVICES.join(', ')}` : '';
  out.info(`VoxBridge fleet, namespace ${config.namespace}, ports ${Math.min(...ports)}-${Math.max(...ports)}${replicas}, state in ${config.home}`);
  const secrets = prepareSecrets(config.home, process.env, new Date());
  announceSecrets(secrets);

  const nats = await resolveNats({ natsUrl: config.natsUrl, home: config.home, out, cleanup, isStopping: () => stopping });
  if (stopping) return;
  const postgres = await resolvePostgres({ databaseUrl: config.databaseUrl, home: config.home, port: config.pgPort, out, cleanup, isStopping: () => stopping });
  if (stopping) return;
  await migrate(postgres.url);
  if (stopping) return;
  const fakes = config.fakeProviders ? await startFakeProviders() : undefined;
  if (fakes) {
    cleanup.add('fake providers', () => fakes.stop());
    fakes.lines.forEach((line) => out.info(line));
  }
  if (stopping) return;

  const readyHost = ['0.0.0.0', '::', ''].includes(config.httpHost) ? '127.0.0.1' : config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost;
  const terminal = process.stdout.isTTY === true;
  const serviceEnv = (service: ServiceName, port: number): NodeJS.ProcessEnv => ({
    ...childEnv(process.env, {
      natsUrl: nats.url,
      databaseUrl: postgres.url,
      namespace: config.namespace,
      port,
      terminal,
      fakeProviders: config.fakeProviders,
      service,
      bootstrapAdminKey: secrets.adminKey?.value,
      encryptionKey: secrets.encryptionKey?.value,
    }),
    // With --fake-providers the fakes win over provider settings in the environment.
    ...fakes?.env,
    // agent-api tells the web app where the voice socket is.
    ...(service === 'agent-api' ? { WEBRTC_GATEWAY_PORT: String(plan.find((p) => p.service === 'webrtc-gateway')?.port ?? '') } : {}),
  });
  const supervisor = new Supervisor(
    plan.map((replica) => ({
      ...replica,
      entry: entries.get(replica.service) ?? '',
      env: serviceEnv(replica.service, replica.port),
      readyUrl: `http://${readyHost}:${replica.port}/ready`,
    })),
    fleetListener(config, plan, nats, postgres, bootStartedMs, secrets),
  );
  cleanup.add('services', (force) => supervisor.stop(force));
  supervisor.start();
}

process.on('exit', killAllTrackedGroups);
process.on('uncaughtException', (error) => {
  out.error(`launcher failed unexpectedly: ${error.stack ?? error.message}`);
  void shutdown(1, false);
});
process.on('unhandledRejection', (reason) => {
  out.error(`launcher failed unexpectedly: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  void shutdown(1, false);
});

run(process.argv.slice(2)).catch((error: unknown) => {
  if (stopping) return; // a signal stopped the boot half-way; shutdown() reports and exits
  if (error instanceof LauncherError) {
    out.error(error.message);
    if (error.code === LauncherErrorCode.Usage) out.block(['', helpText()]);
    void shutdown(exitCodeOf(error.code), false);
  } else {
    out.error(`launcher failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void shutdown(1, false);
  }
});
