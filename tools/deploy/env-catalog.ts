import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@voxbridge/contracts';
import { isSecretKey } from '@voxbridge/platform';

/** One variable a service's config class declares. */
export interface EnvVariable {
  name: string;
  /** The class default as a string; '' when the variable has none (optional or required). */
  defaultValue: string;
  secret: boolean;
  /** The first sentence of the field's doc comment, when it has one. */
  description: string;
}

export interface ServiceEnvCatalog {
  service: ServiceName;
  /** `apps/<service>/src/config/<service>.env.ts`, relative to the repository. */
  file: string;
  variables: EnvVariable[];
}

type EnvClass = new () => object;

/** The config file of each service, relative to the repository root, without its extension. */
export function envModulePath(service: ServiceName): string {
  return join('apps', service, 'src', 'config', `${service}.env`);
}

/**
 * Loads each service's env class at run time (tools import no app statically), from `codeRoot`
 * (the repository under jest, dist/ when built), with the doc comments read from the sources
 * under `repoRoot`.
 */
export function loadEnvCatalog(repoRoot: string, codeRoot: string, extension: '.ts' | '.js'): ServiceEnvCatalog[] {
  return SERVICE_NAMES.map((service) => {
    const loaded = require(join(codeRoot, `${envModulePath(service)}${extension}`)) as Record<string, unknown>;
    const cls = Object.values(loaded).find((value): value is EnvClass => typeof value === 'function' && /Env$/.test(value.name));
    if (!cls) throw new Error(`${envModulePath(service)} exports no *Env class`);
    const file = `${envModulePath(service)}.ts`;
    const source = readFileSync(join(repoRoot, file), 'utf8');
    return { service, file, variables: describeEnvClass(cls, source) };
  });
}

/** Declared keys (those class-validator knows, as loadConfig reads them), defaults, secrecy, doc comment. */
export function describeEnvClass(cls: EnvClass, source = ''): EnvVariable[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const names = [...new Set(metadata.map((m) => m.propertyName))];
  const instance = new cls() as Record<string, unknown>;
  return names.map((name) => {
    const value = instance[name];
    return {
      name,
      defaultValue: value === undefined || value === null ? '' : String(value),
      secret: isSecretKey(instance, name),
      description: docComment(source, name),
    };
  });
}

/** The doc comment right above a field (past its decorators), on one line; '' without one. */
export function docComment(source: string, name: string): string {
  const lines = source.split('\n');
  const at = lines.findIndex((line) => new RegExp(`^\\s+(override\\s+)?${name}[!?]?\\s*[:=;]`).test(line));
  if (at < 0) return '';
  let i = at - 1;
  while (i >= 0 && /^\s*@/.test(lines[i] ?? '')) i--;
  if (!/\*\/\s*$/.test(lines[i] ?? '')) return '';
  const end = i;
  while (i >= 0 && !/\/\*\*/.test(lines[i] ?? '')) i--;
  return lines
    .slice(i, end + 1)
    .map((line) => line.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/\s*$/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Variables grouped by name: the services reading each, with per-service defaults when they differ. */
export function envExample(catalog: readonly ServiceEnvCatalog[]): string {
  const byName = new Map<string, Array<{ service: ServiceName; variable: EnvVariable }>>();
  for (const { service, variables } of catalog) {
    for (const variable of variables) {
      const list = byName.get(variable.name) ?? [];
      list.push({ service, variable });
      byName.set(variable.name, list);
    }
  }
  const everyone = catalog.length;
  const out = [
    '# Every variable the eight services read, generated from their config classes',
    '# (apps/<service>/src/config/<service>.env.ts) by `npm run deploy:generate`; a test keeps it complete.',
    '# Unset or empty variables keep the default shown. SECRET ones: give them through secret files or a',
    '# secret store (compose: <NAME>_FILE pointing at a file in /run/secrets; Kubernetes: a Secret), never',
    '# in an image or a committed file. Per-service values (HTTP_PORT, DATABASE_URL) are set per container.',
    '',
  ];
  for (const [name, uses] of [...byName.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const services = uses.length === everyone ? 'all services' : uses.map((u) => u.service).join(', ');
    const secret = uses.some((u) => u.variable.secret);
    const defaults = [...new Set(uses.map((u) => u.variable.defaultValue))];
    const description = uses.map((u) => u.variable.description).find((d) => d !== '') ?? '';
    out.push(`# ${name}${secret ? ' (SECRET)' : ''} — ${services}`);
    if (description) out.push(`# ${description}`);
    if (defaults.length > 1) {
      out.push(`# defaults: ${uses.map((u) => `${u.service}=${u.variable.defaultValue || '(none)'}`).join(', ')}`);
      out.push(`# ${name}=`);
    } else {
      out.push(`# ${name}=${secret ? '' : (defaults[0] ?? '')}`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
