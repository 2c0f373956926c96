import { BadRequestException } from '@nestjs/common';
import { ErrorCode } from '@voxbridge/contracts';
import type { NextFunction, Request, Response } from 'express';

/** Containers nested deeper than this are refused; the body itself is level 1. */
export const MAX_JSON_DEPTH = 32;
/** At most this many fields are named in one refusal, so a hostile body cannot grow the answer. */
const MAX_NAMED_FIELDS = 20;
/** Keys longer than this are cut in a field path. */
const MAX_KEY_IN_PATH = 64;

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;
/** Keys that reach an object's prototype when code copies or merges input (`Object.assign`, spreads, deep merges). */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export const UNSTORABLE = {
  nul: 'must not contain NUL characters (\\u0000)',
  surrogate: 'must not contain unpaired UTF-16 surrogates',
  nulKey: 'key must not contain NUL characters (\\u0000)',
  surrogateKey: 'key must not contain unpaired UTF-16 surrogates',
  tooDeep: `nests deeper than ${MAX_JSON_DEPTH} levels`,
  prototypeKey: 'key is not allowed (__proto__, constructor and prototype can reach an object prototype)',
  badEncoding: 'is not valid percent-encoded UTF-8',
} as const;

export interface UnstorableInput {
  /** Field path (as the validation pipe names fields: `fallback.0.model`) → what is wrong. */
  fields: Record<string, string[]>;
  tooDeep: boolean;
}

function textProblem(text: string, nul: string, surrogate: string): string | undefined {
  if (text.includes(NUL)) return nul;
  if (LONE_SURROGATE.test(text)) return surrogate;
  return undefined;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number' || PLAIN_KEY.test(key)) return parent ? `${parent}.${key}` : String(key);
  const shown = key.length > MAX_KEY_IN_PATH ? `${key.slice(0, MAX_KEY_IN_PATH)}…` : key;
  // JSON.stringify escapes NUL and lone surrogates, so the path itself is always printable.
  return `${parent}[${JSON.stringify(shown)}]`;
}

function keyProblem(key: string): string | undefined {
  if (PROTOTYPE_KEYS.includes(key)) return UNSTORABLE.prototypeKey;
  return textProblem(key, UNSTORABLE.nulKey, UNSTORABLE.surrogateKey);
}

/**
 * What Postgres would refuse, or what would overflow the stack of anything recursive downstream
 * (class-transformer, class-validator, jsonb encoding): NUL characters and unpaired surrogates in
 * any string or key, and containers nested deeper than `maxDepth`. Also `__proto__`,
 * `constructor` and `prototype` as keys at any depth (class-transformer drops some of them
 * silently; free-form JSON such as `session_metadata` would keep them). Walks with an explicit
 * stack, so the depth of the input cannot overflow this walk either.
 */
export function findUnstorableInput(root: unknown, maxDepth = MAX_JSON_DEPTH): UnstorableInput | null {
  // A Map: a path may itself be `__proto__`, which a plain object would not keep as a key.
  const fields = new Map<string, string[]>();
  let tooDeep = false;
  const note = (path: string, problem: string) => {
    const problems = fields.get(path);
    if (problems) problems.push(problem);
    else if (fields.size < MAX_NAMED_FIELDS) fields.set(path, [problem]);
  };

  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0 && fields.size < MAX_NAMED_FIELDS) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      const problem = textProblem(value, UNSTORABLE.nul, UNSTORABLE.surrogate);
      if (problem) note(path || '(body)', problem);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth + 1 > maxDepth) {
      tooDeep = true;
      note(path || '(body)', UNSTORABLE.tooDeep);
      continue;
    }
    // Children pushed last to first, so problems are found in document order.
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: childPath(path, i), depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string, unknown];
      const problem = keyProblem(key);
      if (problem) note(childPath(path, key), problem);
      else stack.push({ value: child, path: childPath(path, key), depth: depth + 1 });
    }
  }
  // Object.fromEntries defines own properties, `__proto__` included.
  return fields.size > 0 ? { fields: Object.fromEntries(fields), tooDeep } : null;
}

/** The 400 for unstorable input, in the validation pipe's shape (`validation_failed`, `fields`). */
export function unstorableInputError(found: UnstorableInput): BadRequestException {
  const names = Object.keys(found.fields);
  const depth = found.tooDeep ? `JSON nests deeper than ${MAX_JSON_DEPTH} levels; ` : '';
  return new BadRequestException({
    code: ErrorCode.ValidationFailed,
    message: `${depth}invalid ${names.length === 1 ? 'field' : 'fields'}: ${names.join(', ')}`,
    fields: found.fields,
  });
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined; // URIError: a stray `%`, or bytes that are not UTF-8 (`%ff`, `%ED%A0%80`)
  }
}

/**
 * Query parameters whose name or value is not valid percent-encoded UTF-8. Express's parser keeps
 * such text as sent (`%ff` arrives as the three characters `%ff`), so a handler would search for,
 * or store, something the client never meant: refused instead, naming the parameter.
 */
export function findUndecodableQuery(url: string): UnstorableInput | null {
  const start = url.indexOf('?');
  if (start < 0) return null;
  const fields = new Map<string, string[]>();
  for (const part of url.slice(start + 1).split('&')) {
    if (part === '' || fields.size >= MAX_NAMED_FIELDS) continue;
    const [rawName = '', ...rest] = part.split('=');
    const name = decoded(rawName);
    if (name !== undefined && decoded(rest.join('=')) !== undefined) continue;
    // The path is printable whatever was sent: an undecodable name is shown as sent, escaped.
    fields.set(name !== undefined ? childPath('', name) : `[${JSON.stringify(rawName.slice(0, MAX_KEY_IN_PATH))}]`, [UNSTORABLE.badEncoding]);
  }
  return fields.size > 0 ? { fields: Object.fromEntries(fields), tooDeep: false } : null;
}

/**
 * Express middleware, mounted right after the body parsers: refuses a body or query holding
 * unstorable input (or a query that is not valid percent-encoded UTF-8) before the validation pipe
 * (which recurses) or a handler sees it.
 */
export function refuseUnstorableInput() {
  return (request: Request, _response: Response, next: NextFunction): void => {
    const found = findUndecodableQuery(request.originalUrl) ?? findUnstorableInput(request.body) ?? findUnstorableInput(request.query);
    next(found ? unstorableInputError(found) : undefined);
  };
}
