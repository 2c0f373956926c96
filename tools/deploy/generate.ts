import { extname, join, resolve } from 'node:path';
import { envExample, loadEnvCatalog } from './env-catalog';
import { k8sBase } from './k8s';
import { natsServerConfig } from './nats-permissions';
import { rolesSql } from './postgres-roles';

/**
 * Where the code runs from: the repository (jest, `.ts`) or dist/ (`npm run deploy:generate`, `.js`).
 * Sources (the env classes' doc comments) are always read from the repository.
 */
export function roots(): { repoRoot: string; codeRoot: string; extension: '.ts' | '.js' } {
  const extension = extname(__filename) === '.ts' ? '.ts' : '.js';
  const codeRoot = resolve(__dirname, '..', '..');
  const repoRoot = extension === '.ts' ? codeRoot : resolve(codeRoot, '..');
  return { repoRoot, codeRoot, extension };
}

/** The compose NATS config sits at /etc/nats/nats.conf; its passwords are the nats_passwords secret. */
export const COMPOSE_NATS_PASSWORDS_INCLUDE = '../../run/secrets/nats_passwords';

/** Every generated file, by path relative to the repository. Committed; a test keeps them equal. */
export function generatedFiles(): Record<string, string> {
  const { repoRoot, codeRoot, extension } = roots();
  const files: Record<string, string> = {
    '.env.example': envExample(loadEnvCatalog(repoRoot, codeRoot, extension)),
    'deploy/nats/nats.conf': natsServerConfig({ namespace: 'vb', passwordsInclude: COMPOSE_NATS_PASSWORDS_INCLUDE }),
    'deploy/postgres/roles.sql': rolesSql(),
  };
  for (const [name, content] of Object.entries(k8sBase())) files[join('k8s', 'base', name)] = content;
  return files;
}
