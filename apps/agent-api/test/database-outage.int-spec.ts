import { Bus, BusRemoteError, describeCallFailure } from '@voxbridge/bus';
import { AgentSubjects, ErrorCode, type AgentDto } from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { expectEventually, testInfra } from '@voxbridge/testing';
import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

// Real NATS and Postgres; a TCP proxy the test cuts stands for agent-api's Postgres dying.

describe('agent-api when its database is down', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  let agentId: string;

  beforeAll(async () => {
    api = await startAgentApi({}, { databaseProxy: true });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'outage-test', logger: testLogger('outage-test') });
    const agents = (await api.request('GET', '/api/agents')).body as Array<{ id: string }>;
    agentId = agents[0]?.id ?? '';
  });

  afterAll(async () => {
    await bus?.drain();
    await api?.close();
  });

  afterEach(() => api.databaseProxy?.restore());

  it('answers 503 database_unavailable naming its database, never a 500, and recovers on its own', async () => {
    api.databaseProxy?.cut();

    const response = await api.request('GET', '/api/agents');
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      error: { code: 'database_unavailable', message: expect.stringMatching(/^the database of agent-api is unavailable: /) },
    });

    api.databaseProxy?.restore();
    await expectEventually(async () => expect((await api.request('GET', '/api/agents')).status).toBe(200), { timeoutMs: 15_000 });
  });

  it('answers the pipeline’s agent look-up with database_unavailable, so the caller can say agent-api is up and its database is not', async () => {
    api.databaseProxy?.cut();
    const failure = await bus.requestJson<AgentDto>(AgentSubjects.get, { id: agentId }, { timeoutMs: 8_000 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(BusRemoteError);
    expect((failure as BusRemoteError).code).toBe(ErrorCode.DatabaseUnavailable);
    expect(describeCallFailure('agent-api', failure).message).toMatch(/^agent-api refused: the database of agent-api is unavailable: /);
  });
});
