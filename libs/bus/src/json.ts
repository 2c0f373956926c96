import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value ?? null));
}

export type Decoded<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** `path: constraint message` lines; they name properties, never echo values. */
      problems: string[];
      /** Same, keyed by property path, for error bodies. */
      fields: Record<string, string[]>;
    };

/** Parses JSON bytes without throwing. */
export function parseJson(data: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(data)) as unknown };
  } catch {
    // Not JSON (or not UTF-8): the caller reports it as a validation failure, never the bytes.
    return { ok: false };
  }
}

function collect(errors: ValidationError[], prefix: string, fields: Record<string, string[]>): void {
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    const children = error.children ?? [];
    if (messages.length > 0) fields[path] = [...(fields[path] ?? []), ...messages];
    else if (children.length === 0) fields[path] = [...(fields[path] ?? []), `${path} is invalid`];
    collect(children, path, fields);
  }
}

/**
 * Validates a plain value as `type`. Properties the class does not declare are refused (the
 * default: requests, and replies before they are sent) or dropped (`strip`: a reply on arrival,
 * so that a newer service may add a field without breaking its older callers).
 */
export function validateAs<T extends object>(plain: unknown, type: new () => T, unknownFields: 'refuse' | 'strip' = 'refuse'): Decoded<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    const got = plain === null ? 'null' : Array.isArray(plain) ? 'array' : typeof plain;
    return { ok: false, problems: [`body must be a JSON object, got ${got}`], fields: { body: [`must be a JSON object`] } };
  }
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: unknownFields === 'refuse' });
  if (errors.length === 0) return { ok: true, value: instance };
  const fields: Record<string, string[]> = {};
  collect(errors, '', fields);
  const problems = Object.entries(fields).map(([path, messages]) => `${path}: ${messages.join(', ')}`);
  return { ok: false, problems, fields };
}

/** Bytes → validated instance of `type`. */
export function decodeJson<T extends object>(data: Uint8Array, type: new () => T): Decoded<T> {
  const parsed = parseJson(data);
  if (!parsed.ok) return { ok: false, problems: ['body is not valid JSON'], fields: { body: ['must be valid JSON'] } };
  return validateAs(parsed.value, type);
}
