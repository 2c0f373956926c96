import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { isSecretKey } from './secret';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration for ${service}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function declaredKeys(cls: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

function describe(error: ValidationError, instance: object): string {
  const shown = isSecretKey(instance, error.property) ? '(value hidden)' : `(got ${JSON.stringify(error.value)})`;
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property}: ${reasons} ${error.value === undefined ? '(missing)' : shown}`;
}

/**
 * Parses and validates the environment once, at boot, into a typed config object.
 * Only the variables the class declares are read; unset or empty ones keep the class defaults.
 * Throws a ConfigError listing every problem, not just the first.
 */
export function loadConfig<T extends object>(
  service: string,
  cls: new () => T,
  env: Record<string, string | undefined> = process.env,
): T {
  const plain: Record<string, string> = {};
  for (const key of declaredKeys(cls)) {
    const value = env[key];
    if (value !== undefined && value !== '') plain[key] = value;
  }
  const config = plainToInstance(cls, plain, { enableImplicitConversion: true });
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(service, errors.map((e) => describe(e, config)));
  }
  return config;
}
