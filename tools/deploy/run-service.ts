import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isServiceName, SERVICE_NAMES, ServiceExitCode, type ServiceName } from '@voxbridge/contracts';
import { describeEnvClass, envModulePath } from './env-catalog';
import { serviceDatabaseUrlVariable, serviceRoles } from './postgres-roles';

/**
 * Secrets come from files (compose `secrets:`, Kubernetes Secret volumes): for each variable the
 * program reads, `<NAME>_FILE` is read into `<NAME>` (one trailing newline dropped) unless `<NAME>`
 * is already set. Other `*_FILE` variables are left alone. Returns the names it filled, never the values.
 */
export function loadSecretFiles(
  env: NodeJS.ProcessEnv,
  accepted: ReadonlySet<string>,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): string[] {
  const filled: string[] = [];
  for (const name of accepted) {
    const path = env[`${name}_FILE`];
    if (!path || env[name]) continue;
    try {
      env[name] = read(path).replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(`run-service: cannot read ${name}_FILE (${path}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    filled.push(name);
  }
  return filled;
}

/** The variables a program reads: its config class's, or the provisioning job's. */
export function acceptedVariables(target: string, distRoot: string): Set<string> {
  if (target === 'migrate') return new Set(['DATABASE_URL', ...serviceRoles().map((r) => serviceDatabaseUrlVariable(r.service))]);
  const loaded = require(join(distRoot, `${envModulePath(target as ServiceName)}.js`)) as Record<string, unknown>;
  const cls = Object.values(loaded).find((value): value is new () => object => typeof value === 'function' && /Env$/.test(value.name));
  return new Set(cls ? describeEnvClass(cls).map((v) => v.name) : []);
}

/**
 * The image's entry point: `node dist/tools/deploy/run-service.js <service>` (or VOXBRIDGE_SERVICE),
 * also `migrate` (the one-shot provisioning job). Loads the secret files, then runs that program.
 */
export function entryFor(target: string | undefined, distRoot: string): string {
  if (target === 'migrate') return join(distRoot, 'tools', 'deploy', 'provision-main.js');
  if (!isServiceName(target)) {
    throw new Error(`run-service: name a service (${SERVICE_NAMES.join(', ')}) or "migrate"; got ${JSON.stringify(target ?? '')}`);
  }
  return join(distRoot, 'apps', target, 'src', 'main.js');
}

if (require.main === module) {
  try {
    const target = process.argv[2] ?? process.env['VOXBRIDGE_SERVICE'];
    // dist/tools/deploy/run-service.js -> dist/
    const distRoot = resolve(__dirname, '..', '..');
    const entry = entryFor(target, distRoot);
    loadSecretFiles(process.env, acceptedVariables(target as string, distRoot));
    require(entry);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = ServiceExitCode.BadConfig;
  }
}
