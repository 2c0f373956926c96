import type { Prng } from './prng';

/** A value to put in a JSON body, as raw JSON text (so `-0`, `1e309` and lone surrogates survive). */
export interface JunkValue {
  /** Short and printable: how the case is named. */
  label: string;
  raw: string;
}

/** README "Errors": containers nested deeper than this are refused (the body itself is level 1). */
export const MAX_JSON_DEPTH = 32;
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

export function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** The junk every body field is tried with; a few drawn from the seeded PRNG. */
export function junkValues(prng: Prng): JunkValue[] {
  const json = (label: string, value: unknown): JunkValue => ({ label, raw: JSON.stringify(value) });
  const raw = (label: string, text: string): JunkValue => ({ label, raw: text });
  return [
    raw('null', 'null'),
    raw('true', 'true'),
    raw('false', 'false'),
    raw('0', '0'),
    raw('-0', '-0'),
    raw('-1', '-1'),
    raw('1.5', '1.5'),
    raw('1e308', '1e308'),
    raw('-1e308', '-1e308'),
    raw('1e309 (Infinity)', '1e309'),
    raw('5e-324', '5e-324'),
    raw('-5e-324', '-5e-324'),
    raw('2^53+1', '9007199254740993'),
    json('"NaN"', 'NaN'),
    json('"Infinity"', 'Infinity'),
    json('"1"', '1'),
    json('"true"', 'true'),
    json('empty string', ''),
    json('blank string', '   '),
    json('20k string', 'x'.repeat(20_000)),
    json('NUL', NUL),
    json('text with NUL', `a${NUL}b`),
    raw('lone high surrogate', '"\\ud800"'),
    raw('lone low surrogate', '"x\\udc00y"'),
    json('unicode', 'Zoë ✓ 日本語 🎙️ עברית e\u0301'),
    json('random text', prng.text(prng.int(1, 64))),
    json('"__proto__"', '__proto__'),
    json('"../../etc/passwd"', '../../etc/passwd'),
    json('SQL', "'; drop table agents; --"),
    json('empty array', []),
    json('array of null', [null]),
    json('array of numbers', [1, 2, 3]),
    json('array of strings', ['a', 'b']),
    json('empty object', {}),
    json('object', { a: 1, b: 'x' }),
    raw('object with __proto__', '{"__proto__":{"polluted":"yes"}}'),
    raw('object with constructor.prototype', '{"constructor":{"prototype":{"polluted":"yes"}}}'),
    raw('object with prototype', '{"prototype":{"polluted":"yes"}}'),
    raw('arrays nested 40 deep', nestedArrays(40)),
    raw('arrays nested 10k deep', nestedArrays(10_000)),
    raw('objects nested 10k deep', nestedObjects(10_000)),
  ];
}

/** The subset of OpenAPI schema the generator understands. */
export interface Schema {
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  example?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  $ref?: string;
}

function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    max = Math.max(max, depth + 1);
    for (const child of Object.values(item as object)) stack.push([child, depth + 1]);
  }
  return max;
}

function hasUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.includes(NUL) || LONE_SURROGATE.test(item)) return true;
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item as object)) {
        if (key.includes(NUL) || LONE_SURROGATE.test(key)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/** Whether any object in `value` has an own key `__proto__`, `constructor` or `prototype`. */
export function hasPrototypeKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item !== 'object') continue;
    for (const key of Object.keys(item as object)) if ((PROTOTYPE_KEYS as readonly string[]).includes(key)) return true;
    stack.push(...Object.values(item as object));
  }
  return false;
}

/**
 * Whether the published schema admits `value` as a field (at `fieldDepth`: the body is level 1).
 * Also applies README "Errors": no NUL or lone surrogate anywhere, no `__proto__`, `constructor` or
 * `prototype` key, nothing nested deeper than 32.
 */
export function admits(schema: Schema, value: unknown, fieldDepth = 1): boolean {
  if (hasUnstorableText(value) || hasPrototypeKey(value)) return false;
  if (fieldDepth + depthOf(value) > MAX_JSON_DEPTH) return false;
  if (value === null) return schema.nullable === true;
  const type = schema.type;
  if (schema.enum && !schema.enum.includes(value)) return false;
  switch (type) {
    case 'string': {
      if (typeof value !== 'string') return false;
      const length = [...value].length;
      if (schema.minLength !== undefined && length < schema.minLength) return false;
      if (schema.maxLength !== undefined && length > schema.maxLength) return false;
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) return false;
      if (schema.format === 'uuid' && !UUID.test(value)) return false;
      return true;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      if (type === 'integer' && !Number.isInteger(value)) return false;
      if (schema.minimum !== undefined && value < schema.minimum) return false;
      if (schema.maximum !== undefined && value > schema.maximum) return false;
      return true;
    }
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      if (!Array.isArray(value)) return false;
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return false;
      return schema.items ? value.every((item) => admits(schema.items as Schema, item, fieldDepth + 1)) : true;
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}

/** JSON.parse that keeps going on values JS cannot hold exactly (1e309 → Infinity is fine here). */
export function parseRaw(raw: string): unknown {
  return JSON.parse(raw) as unknown;
}
