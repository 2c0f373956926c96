import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, { description: string }>;
}

describe('OpenAPI document', () => {
  let api: AgentApiHarness;
  let paths: Record<string, Record<string, Operation>>;

  beforeAll(async () => {
    api = await startAgentApi();
    const docs = await api.request('GET', '/api/docs-json', undefined, null);
    expect(docs.status).toBe(200);
    paths = (docs.body as { paths: Record<string, Record<string, Operation>> }).paths;
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
