const SECRET_KEYS = Symbol('voxbridge:secret-config-keys');

type WithSecrets = { [SECRET_KEYS]?: Set<string> };

/** Marks a config property as secret: never logged, never echoed in validation errors. */
export function Secret(): PropertyDecorator {
  return (target, propertyKey) => {
    const owner = target as WithSecrets;
    const inherited = owner[SECRET_KEYS] ?? new Set<string>();
    owner[SECRET_KEYS] = new Set([...inherited, String(propertyKey)]);
  };
}

export function isSecretKey(config: object, key: string): boolean {
  return (config as WithSecrets)[SECRET_KEYS]?.has(key) ?? false;
}

/** The config as a plain object with every secret value replaced by `[secret]`. */
export function redactConfig(config: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, isSecretKey(config, key) ? '[secret]' : value]),
  );
}
