import { admits, junkValues, nestedArrays, nestedObjects, parseRaw, PROTOTYPE_KEYS, type Schema } from './junk';
import type { Prng } from './prng';

/** What a case must get back. */
export type HttpExpectation =
  /** 401 `unauthorized`. */
  | 'unauthorized'
  /** 403 `forbidden`. */
  | 'forbidden'
  /** A 4xx naming the problem (never a 2xx). */
  | 'reject'
  /** 413 `payload_too_large`. */
  | 'too_large'
  /** The published schema admits it: a 2xx is fine, a 4xx must still name the problem. */
  | 'any';

export interface HttpCase {
  /** Stable within a seed: `#123`. */
  id: number;
  kind: 'auth' | 'path' | 'query' | 'field' | 'key' | 'body';
  /** Human readable, e.g. `PUT /api/agents/{id} body.temperature = 1e309 (Infinity)`. */
  name: string;
  method: string;
  path: string;
  /** `fuzz` (the high-rate admin key), `client`, `none`, or a header value to send as is. */
  auth: { kind: 'fuzz' | 'client' } | { kind: 'header'; value: string } | { kind: 'none' };
  contentType?: string;
  body?: string | Buffer;
  expect: HttpExpectation;
  /** A 400 must name this (a field or key). */
  names?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>; requestBody?: { content?: Record<string, { schema?: Schema }> }; responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { schemas: Record<string, Schema> };
}

/** What the generator needs of the fleet: ids of things that exist, the keys, the body limit. */
export interface Targets {
  agentId: string;
  sessionId: string;
  /** A live key nobody uses: the target of `/api/keys/{id}` (a bypass would revoke it). */
  victimKeyId: string;
  revokedKey: string;
  fuzzKey: string;
  bodyLimitBytes: number;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const NONEXISTENT_ID = '00000000-0000-4000-8000-00000000f022';

export interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; schema: Schema }>;
  body?: Schema;
  needsAuth: boolean;
  adminOnly: boolean;
}

function resolve(document: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let i = 0; current?.$ref && i < 10; i++) current = document.components.schemas[current.$ref.replace('#/components/schemas/', '')];
  return current;
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        params: (operation.parameters ?? []).map((p) => ({ name: p.name, in: p.in, schema: resolve(document, p.schema) ?? {} })),
        body: resolve(document, operation.requestBody?.content?.['application/json']?.schema),
        needsAuth: !(Array.isArray(operation.security) && operation.security.length === 0),
        adminOnly: '403' in operation.responses,
      });
    }
  }
  return operations;
}

/** The id an `{id}` of this path stands for. */
function realId(path: string, targets: Targets): string {
  if (path.startsWith('/api/keys')) return targets.victimKeyId;
  if (path.startsWith('/api/agents')) return targets.agentId;
  if (path.startsWith('/api/sessions')) return targets.sessionId;
  return NONEXISTENT_ID;
}

function fillPath(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

/** A valid value for a schema, as simple as the schema allows. */
function validValue(document: OpenApiDocument, name: string, schema: Schema, targets: Targets, unique: string): unknown {
  const resolved = resolve(document, schema) ?? {};
  if (resolved.enum && resolved.enum.length > 0) return resolved.enum[0];
  // The document's example is valid by definition (e.g. a Discord snowflake `guild_id`).
  if (typeof resolved.example === 'string' && admits(resolved, resolved.example)) return resolved.example;
  if (resolved.format === 'uuid') return name === 'agent_id' ? targets.agentId : NONEXISTENT_ID;
  if (resolved.type === 'number' || resolved.type === 'integer') return resolved.minimum ?? 1;
  if (resolved.type === 'boolean') return false;
  if (resolved.type === 'array') return [];
  if (resolved.type === 'object') return validBody(document, resolved, targets, unique);
  return name === 'name' ? `fuzz ${unique}` : 'fuzz';
}

/** The smallest valid body: every required property with a valid value (names unique per case). */
export function validBody(document: OpenApiDocument, schema: Schema, targets: Targets, unique: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = schema.properties?.[name];
    if (property) body[name] = validValue(document, name, property, targets, unique);
  }
  return body;
}

/** `{...base, "<key>": <raw>}` as text (raw JSON, so `-0` and lone surrogates survive). */
function withRaw(base: Record<string, unknown>, key: string, raw: string): string {
  const rest = Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
  const head = JSON.stringify(rest).slice(0, -1);
  return `${head}${head.length > 1 ? ',' : ''}${JSON.stringify(key)}:${raw}}`;
}

const PATH_JUNK: Array<{ label: string; encoded: string; getMayMatch?: boolean }> = [
  { label: 'empty', encoded: '', getMayMatch: true },
  { label: '"."', encoded: '.', getMayMatch: true },
  { label: '".."', encoded: '..' },
  { label: '"%2e%2e"', encoded: '%2e%2e' },
  { label: '"..%2f..%2fetc%2fpasswd"', encoded: '..%2f..%2fetc%2fpasswd' },
  { label: '"abc"', encoded: 'abc' },
  { label: '"0"', encoded: '0' },
  { label: '"-1"', encoded: '-1' },
  { label: '"1e308"', encoded: '1e308' },
  { label: '"NaN"', encoded: 'NaN' },
  { label: '"null"', encoded: 'null' },
  { label: '"undefined"', encoded: 'undefined' },
  { label: '"__proto__"', encoded: '__proto__' },
  { label: '"constructor"', encoded: 'constructor' },
  { label: '10k chars', encoded: 'a'.repeat(10_000) },
  { label: 'unicode', encoded: encodeURIComponent('ü日本🎙️') },
  { label: 'NUL', encoded: '%00' },
  { label: 'uuid with NUL', encoded: `${NONEXISTENT_ID}%00` },
  { label: 'lone surrogate (invalid UTF-8)', encoded: '%ED%A0%80' },
  { label: 'invalid percent-encoding', encoded: '%' },
  { label: 'byte 0xff', encoded: '%ff' },
  { label: 'space', encoded: '%20' },
  { label: 'uuid + "x"', encoded: `${NONEXISTENT_ID}x` },
  { label: 'uuid without dashes', encoded: NONEXISTENT_ID.replace(/-/g, '') },
  { label: 'uuid in braces', encoded: `%7B${NONEXISTENT_ID}%7D` },
  { label: 'SQL', encoded: encodeURIComponent("1' or '1'='1") },
  { label: 'nonexistent uuid', encoded: NONEXISTENT_ID },
];

function encodedQueryJunk(prng: Prng): Array<{ label: string; encoded: string; decoded?: string }> {
  const text = prng.text(prng.int(1, 32));
  return [
    { label: 'empty', encoded: '', decoded: '' },
    { label: '"abc"', encoded: 'abc', decoded: 'abc' },
    { label: '"-1"', encoded: '-1', decoded: '-1' },
    { label: '"0"', encoded: '0', decoded: '0' },
    { label: '"1.5"', encoded: '1.5', decoded: '1.5' },
    { label: '"1e308"', encoded: '1e308', decoded: '1e308' },
    { label: '"NaN"', encoded: 'NaN', decoded: 'NaN' },
    { label: '"true"', encoded: 'true', decoded: 'true' },
    { label: 'NUL', encoded: '%00' },
    { label: 'text with NUL', encoded: 'a%00b' },
    { label: 'lone surrogate (invalid UTF-8)', encoded: '%ED%A0%80' },
    { label: 'byte 0xff', encoded: '%ff' },
    { label: 'invalid percent-encoding', encoded: '%' },
    { label: '10k chars', encoded: 'a'.repeat(10_000), decoded: 'a'.repeat(10_000) },
    { label: 'unicode', encoded: encodeURIComponent('Zoë 日本 🎙️'), decoded: 'Zoë 日本 🎙️' },
    { label: 'random text', encoded: encodeURIComponent(text), decoded: text },
    { label: '"__proto__"', encoded: '__proto__', decoded: '__proto__' },
    { label: 'uuid', encoded: NONEXISTENT_ID, decoded: NONEXISTENT_ID },
  ];
}

/** Whether a query value (a string) is one the schema admits, once converted. */
function admitsQuery(schema: Schema, decoded: string | undefined): boolean {
  if (decoded === undefined) return false;
  if (schema.type === 'number' || schema.type === 'integer') {
    if (decoded.trim() === '') return false;
    return admits(schema, Number(decoded));
  }
  return admits(schema, decoded);
}

const MALFORMED_JSON = ['{', '{"a":}', '{"a":1,}', "{'a':1}", 'nul', '[', '"unterminated', '{}}', '{"a":1}{"b":2}', '\u0000', '{"a":"\\x41"}', '{"a":01}', '{"a":NaN}', '{"a":Infinity}'];
const NOT_OBJECTS = ['[]', '"a string"', '123', 'null', 'true', '[{}]'];

/** Every case the OpenAPI document implies, numbered; the PRNG picks the random parts (and the order). */
export function httpCases(document: OpenApiDocument, targets: Targets, prng: Prng): HttpCase[] {
  const cases: Omit<HttpCase, 'id'>[] = [];
  const operations = operationsOf(document);
  let unique = 0;
  const nextUnique = () => `${prng.seed.toString(36)}-${(unique++).toString(36)}`;
  const baseFor = (operation: Operation) => (operation.body ? validBody(document, operation.body, targets, nextUnique()) : undefined);
  const label = (operation: Operation) => `${operation.method} ${operation.path}`;

  for (const operation of operations) {
    const path = fillPath(operation.path, realId(operation.path, targets));
    const body = baseFor(operation);
    const bodyText = body === undefined ? undefined : JSON.stringify(body);
    const contentType = body === undefined ? undefined : 'application/json';

    // ---- credentials ------------------------------------------------------------------------------
    if (operation.needsAuth) {
      const wrong: Array<[string, HttpCase['auth']]> = [
        ['no key', { kind: 'none' }],
        ['"Bearer" without a key', { kind: 'header', value: 'Bearer' }],
        ['"Bearer " and spaces', { kind: 'header', value: 'Bearer    ' }],
        ['unknown key', { kind: 'header', value: `Bearer vbk_${Array.from({ length: 43 }, () => prng.pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'])).join('')}` }],
        ['revoked key', { kind: 'header', value: `Bearer ${targets.revokedKey}` }],
        ['tampered key', { kind: 'header', value: `Bearer ${targets.fuzzKey.slice(0, -1)}${targets.fuzzKey.endsWith('A') ? 'B' : 'A'}` }],
        ['Basic scheme', { kind: 'header', value: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
        ['key in the wrong scheme', { kind: 'header', value: `Token ${targets.fuzzKey}` }],
        ['10k-char key', { kind: 'header', value: `Bearer vbk_${'A'.repeat(10_000)}` }],
        ['non-ASCII key', { kind: 'header', value: `Bearer vbk_${Buffer.from('ümlaut').toString('latin1')}` }],
      ];
      for (const [what, auth] of wrong) {
        cases.push({ kind: 'auth', name: `${label(operation)} with ${what}`, method: operation.method, path, auth, contentType, body: bodyText, expect: 'unauthorized' });
      }
      if (operation.adminOnly) {
        cases.push({ kind: 'auth', name: `${label(operation)} with a client key`, method: operation.method, path, auth: { kind: 'client' }, contentType, body: bodyText, expect: 'forbidden' });
      }
    }

    // ---- path parameters ---------------------------------------------------------------------------
    for (const param of operation.params.filter((p) => p.in === 'path')) {
      for (const junk of PATH_JUNK) {
        const mayMatch = junk.getMayMatch === true && operation.method === 'GET';
        cases.push({
          kind: 'path',
          name: `${label(operation)} {${param.name}} = ${junk.label}`,
          method: operation.method,
          path: fillPath(operation.path, junk.encoded),
          auth: { kind: 'fuzz' },
          contentType,
          body: bodyText,
          // A valid uuid nobody has: 404. An empty id on GET reaches the collection route.
          expect: mayMatch ? 'any' : 'reject',
        });
      }
    }

    // ---- query parameters --------------------------------------------------------------------------
    for (const param of operation.params.filter((p) => p.in === 'query')) {
      for (const junk of encodedQueryJunk(prng)) {
        cases.push({
          kind: 'query',
          name: `${label(operation)} ?${param.name}= ${junk.label}`,
          method: operation.method,
          path: `${path}?${param.name}=${junk.encoded}`,
          auth: { kind: 'fuzz' },
          contentType,
          body: bodyText,
          // No `decoded`: NUL, or not valid percent-encoded UTF-8 (`%ff`, `%`): a 400 naming the parameter.
          expect: admitsQuery(param.schema, junk.decoded) ? 'any' : 'reject',
          names: param.name,
        });
      }
      cases.push({
        kind: 'query',
        name: `${label(operation)} ?${param.name} given twice`,
        method: operation.method,
        path: `${path}?${param.name}=1&${param.name}=2`,
        auth: { kind: 'fuzz' },
        contentType,
        body: bodyText,
        expect: 'reject',
        names: param.name,
      });
    }

    if (!operation.body || body === undefined) continue;
    const schema = operation.body;

    // ---- body fields ---------------------------------------------------------------------------------
    for (const [field, property] of Object.entries(schema.properties ?? {})) {
      const resolved = resolve(document, property) ?? {};
      for (const junk of junkValues(prng)) {
        const base = baseFor(operation) ?? {};
        cases.push({
          kind: 'field',
          name: `${label(operation)} body.${field} = ${junk.label}`,
          method: operation.method,
          path,
          auth: { kind: 'fuzz' },
          contentType: 'application/json',
          body: withRaw(base, field, junk.raw),
          // null only where the document says `nullable: true`; on any other field, optional or not, a 400 naming it.
          expect: admits(resolved, parseRaw(junk.raw)) ? 'any' : 'reject',
          names: field,
        });
      }
      // Fields of the items of an array of objects (fallback[0].model …).
      const item = resolve(document, resolved.items);
      if (resolved.type === 'array' && item?.properties) {
        for (const [sub, subSchema] of Object.entries(item.properties)) {
          for (const junk of junkValues(prng)) {
            const validItem = validBody(document, item, targets, nextUnique());
            const itemText = withRaw(validItem, sub, junk.raw);
            cases.push({
              kind: 'field',
              name: `${label(operation)} body.${field}[0].${sub} = ${junk.label}`,
              method: operation.method,
              path,
              auth: { kind: 'fuzz' },
              contentType: 'application/json',
              body: withRaw(baseFor(operation) ?? {}, field, `[${itemText}]`),
              expect: admits(resolve(document, subSchema) ?? {}, parseRaw(junk.raw), 2) ? 'any' : 'reject',
              names: field,
            });
          }
        }
      }
    }

    // ---- keys that are no field: prototype keys, unknown, NUL and lone surrogates in keys ---------------
    const extraKeys: Array<[string, string, string]> = [
      ...PROTOTYPE_KEYS.map((key): [string, string, string] => [`"${key}"`, JSON.stringify(key), key]),
      ['"__proto__" with a nested payload', '"__proto__"', '__proto__'],
      ['unknown field', '"fuzz_unknown_field"', 'fuzz_unknown_field'],
      ['key with NUL', '"a\\u0000b"', 'a'],
      ['key that is a lone surrogate', '"\\ud800"', ''],
    ];
    for (const [what, keyRaw, names] of extraKeys) {
      const value = what.includes('nested') ? '{"polluted":"yes","isAdmin":true}' : '{"polluted":"yes"}';
      const base = JSON.stringify(baseFor(operation) ?? {}).slice(0, -1);
      cases.push({
        kind: 'key',
        name: `${label(operation)} body with key ${what}`,
        method: operation.method,
        path,
        auth: { kind: 'fuzz' },
        contentType: 'application/json',
        body: `${base}${base.length > 1 ? ',' : ''}${keyRaw}:${value}}`,
        // Prototype keys too: refused naming the key, before class-transformer could drop them silently.
        expect: 'reject',
        names: names || undefined,
      });
    }

    // ---- whole bodies ------------------------------------------------------------------------------------
    const whole = (name: string, text: string | Buffer, type: string | undefined, expect: HttpExpectation) =>
      cases.push({ kind: 'body', name: `${label(operation)} ${name}`, method: operation.method, path, auth: { kind: 'fuzz' }, contentType: type, body: text, expect });
    for (const text of MALFORMED_JSON) whole(`malformed JSON ${JSON.stringify(text)}`, text, 'application/json', 'reject');
    for (let i = 0; i < 3; i++) {
      const bytes = Buffer.from(Array.from({ length: prng.int(1, 200) }, () => prng.int(0, 256)));
      whole(`random bytes (${bytes.length}) as JSON`, bytes, 'application/json', 'reject');
    }
    whole('empty body as JSON', '', 'application/json', schema.required?.length ? 'reject' : 'any');
    for (const text of NOT_OBJECTS) whole(`JSON ${text}`, text, 'application/json', 'reject');
    const emptyIsValid = !(schema.required?.length);
    for (const type of ['text/plain', 'application/xml', 'application/octet-stream', 'multipart/form-data; boundary=x']) {
      whole(`JSON body as ${type}`, bodyText ?? '{}', type, emptyIsValid ? 'any' : 'reject');
    }
    whole('JSON body without a content type', bodyText ?? '{}', undefined, emptyIsValid ? 'any' : 'reject');
    whole('JSON body as application/json; charset=utf-16', bodyText ?? '{}', 'application/json; charset=utf-16', 'reject');
    whole('JSON body as application/json; charset=klingon', bodyText ?? '{}', 'application/json; charset=klingon', 'reject');
    whole('form body with junk fields', 'a=1&b[c][d]=2&__proto__[x]=1', 'application/x-www-form-urlencoded', 'reject');
    whole('arrays nested 10k deep', nestedArrays(10_000), 'application/json', 'reject');
    whole('objects nested 10k deep', nestedObjects(10_000), 'application/json', 'reject');
    whole('body nested 33 deep in a known field', withRaw(body, Object.keys(schema.properties ?? {})[0] ?? 'x', nestedObjects(33)), 'application/json', 'reject');
    // Sizes around the body limit: the filler is an unknown field, so even under the limit it is refused (400), never 413.
    const sized = (total: number) => {
      const head = JSON.stringify(body).slice(0, -1);
      const prefix = `${head}${head.length > 1 ? ',' : ''}"fuzz_padding":"`;
      return `${prefix}${'x'.repeat(Math.max(0, total - prefix.length - 2))}"}`;
    };
    for (const [name, size, expect] of [
      ['one byte under the body limit', targets.bodyLimitBytes - 1, 'reject'],
      ['exactly the body limit', targets.bodyLimitBytes, 'reject'],
      ['one byte over the body limit', targets.bodyLimitBytes + 1, 'too_large'],
      ['twice the body limit', targets.bodyLimitBytes * 2, 'too_large'],
    ] as const) {
      whole(`body of ${size} bytes (${name})`, sized(size), 'application/json', expect);
    }
  }

  // Mutating routes without a body in the document still parse one: malformed JSON on them, at an id nobody has.
  for (const operation of operations.filter((o) => !o.body && o.method !== 'GET' && o.needsAuth)) {
    for (const text of ['{', '{"a":}', nestedArrays(10_000)]) {
      cases.push({
        kind: 'body',
        name: `${label(operation)} (no body in the document) with ${text.length > 20 ? 'arrays nested 10k deep' : `malformed JSON ${JSON.stringify(text)}`}`,
        method: operation.method,
        path: fillPath(operation.path, NONEXISTENT_ID),
        auth: { kind: 'fuzz' },
        contentType: 'application/json',
        body: text,
        expect: 'reject',
      });
    }
  }
  return cases.map((c, id) => ({ ...c, id }));
}
