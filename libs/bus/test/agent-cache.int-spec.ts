import { AgentIdRequest, AgentSubjects, ErrorCode, queueGroup, type AgentDto } from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AgentCache } from '../src/agent-cache';
import { Bus } from '../src/bus';
import { BusError, BusRemoteError } from '../src/errors';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function agent(id: string, name: string): AgentDto {
  const now = new Date().toISOString();
  return {
    id, name, description: null, system_prompt: 'Be brief.', temperature: 0.4, llm_provider: 'auto', llm_model: 'm', llm_base_url: null,
    n8n_webhook_url: null, fallback: [], is_default: false, stt_provider: 'auto', stt_language: 'en', silence_ms: 600, max_utterance_ms: 30_000,
    tts_provider: 'auto', tts_voice: null, tts_exaggeration: 0.5, tts_cfg_weight: 0.5, tts_temperature: 0.8, tts_language: 'en', tts_speed: 1,
    filter_actions_for_tts: true, timezone: 'UTC', plugins: {}, created_at: now, updated_at: now,
  };
}

describe(AgentCache.name, () => {
  const namespace = uniqueNamespace('agcache');
  let bus: Bus;
  let api: Bus;
  /** agent-api stand-in: answers from `agents`, counts the look-ups it served. */
  const agents = new Map<string, AgentDto>();
  const served: string[] = [];
  let clock = 1_000_000;
  let sut: AgentCache;

  beforeAll(async () => {
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'agent-cache-test', logger: quiet });
    api = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'fake-agent-api', logger: quiet });
    api.serveJson(
      AgentSubjects.get,
      AgentIdRequest,
      (req) => {
        served.push(req.id);
        const found = agents.get(req.id);
        if (!found) throw new BusError(ErrorCode.NotFound, `agent ${req.id} not found`);
        return found;
      },
      { queue: queueGroup(namespace, 'agent-api') },
    );
    await api.connection.flush();
  });

  beforeEach(() => {
    sut = new AgentCache(bus, { maxAgeMs: 30_000, now: () => clock });
    sut.start();
    served.length = 0;
  });

  afterEach(() => sut.stop());

  afterAll(async () => {
    await bus?.drain();
    await api?.drain();
  });

  const announce = async (subject: typeof AgentSubjects.updated | typeof AgentSubjects.deleted, id: string) => {
    api.publishJson(subject, { id });
    await api.connection.flush();
  };

  it('asks agent-api once for many turns, and once for concurrent look-ups', async () => {
    const id = randomUUID();
    agents.set(id, agent(id, 'Auren'));

    const [a, b] = await Promise.all([sut.get(id), sut.get(id)]);
    const c = await sut.get(id);

    expect([a.name, b.name, c.name]).toEqual(['Auren', 'Auren', 'Auren']);
    expect(served).toEqual([id]);
  });

  it('asks again once agent-api announces the agent updated', async () => {
    const id = randomUUID();
    agents.set(id, agent(id, 'Auren'));
    await sut.get(id);
    agents.set(id, agent(id, 'Auren the Second'));

    await announce(AgentSubjects.updated, id);

    await expectEventually(async () => expect((await sut.get(id)).name).toBe('Auren the Second'));
    expect(served.filter((s) => s === id).length).toBeGreaterThanOrEqual(2);
  });

  it('answers not found once the agent is announced deleted', async () => {
    const id = randomUUID();
    agents.set(id, agent(id, 'Auren'));
    await sut.get(id);
    agents.delete(id);

    await announce(AgentSubjects.deleted, id);

    await expectEventually(async () => {
      const failure = await sut.get(id).then(() => undefined, (error: unknown) => error);
      expect(failure).toBeInstanceOf(BusRemoteError);
      expect((failure as BusRemoteError).code).toBe(ErrorCode.NotFound);
    });
  });

  it('never keeps a failure: an agent created after a not-found is found', async () => {
    const id = randomUUID();
    await expect(sut.get(id)).rejects.toBeInstanceOf(BusRemoteError);
    agents.set(id, agent(id, 'Late'));

    expect((await sut.get(id)).name).toBe('Late');
    expect(served).toEqual([id, id]);
  });

  it('asks again when its copy is older than maxAgeMs (an update event may have been missed)', async () => {
    const id = randomUUID();
    agents.set(id, agent(id, 'Auren'));
    await sut.get(id);
    agents.set(id, agent(id, 'Renamed while we were away'));

    clock += 29_999;
    expect((await sut.get(id)).name).toBe('Auren');
    clock += 1;
    expect((await sut.get(id)).name).toBe('Renamed while we were away');
    expect(served).toEqual([id, id]);
  });

  it('stops following events and forgets everything on stop', async () => {
    const id = randomUUID();
    agents.set(id, agent(id, 'Auren'));
    await sut.get(id);
    expect(sut.size).toBe(1);

    sut.stop();

    expect(sut.size).toBe(0);
  });
});
