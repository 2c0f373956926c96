import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

interface Schema {
  type?: string;
  nullable?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
  allOf?: unknown[];
  properties?: Record<string, Schema>;
}

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, { description: string }>;
}

describe('OpenAPI document', () => {
  let api: AgentApiHarness;
  let paths: Record<string, Record<string, Operation>>;
  let schemas: Record<string, Schema>;

  beforeAll(async () => {
    api = await startAgentApi();
    const docs = await api.request('GET', '/api/docs-json', undefined, null);
    expect(docs.status).toBe(200);
    paths = (docs.body as { paths: Record<string, Record<string, Operation>> }).paths;
    schemas = (docs.body as { components: { schemas: Record<string, Schema> } }).components.schemas;
  });

  afterAll(() => api?.close());

  const operations = () => Object.entries(paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

  it('describes every guarded operation with a summary and its 401 and 429 answers', () => {
    const guarded = operations().filter(({ path }) => path.startsWith('/api/'));
    expect(guarded.length).toBeGreaterThan(15);
    for (const { path, method, op } of guarded) {
      expect({ path, method, summary: Boolean(op.summary) }).toEqual({ path, method, summary: true });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '429']));
    }
  });

  it('declares every nullable property with its type, a nullable string as a string', () => {
    const properties = Object.entries(schemas).flatMap(([name, schema]) => Object.entries(schema.properties ?? {}).map(([field, p]) => ({ at: `${name}.${field}`, ...p })));
    const nullable = properties.filter((p) => p.nullable);
    expect(nullable.length).toBeGreaterThan(5);
    const untyped = nullable.filter((p) => p.type === undefined && p.$ref === undefined && p.allOf === undefined).map((p) => p.at);
    expect(untyped).toEqual([]);
    // A `string | null` property without `type: String` is published as an object with string limits.
    const stringsAsObjects = properties.filter((p) => p.type === 'object' && [p.maxLength, p.minLength, p.pattern, p.format].some((v) => v !== undefined)).map((p) => p.at);
    expect(stringsAsObjects).toEqual([]);
    expect(schemas['CreateAgentDto']?.properties?.['tts_voice']).toMatchObject({ type: 'string', nullable: true, maxLength: 100 });
  });

  it('marks the health endpoints public', () => {
    for (const path of ['/health', '/ready', '/metrics']) {
      expect(paths[path]?.['get']).toMatchObject({ tags: ['health'], security: [] });
    }
  });

  it('serves the interactive documentation without a key', async () => {
    const page = await api.request('GET', '/api/docs', undefined, null);
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('swagger');
  });
});
