import { Bus } from '@voxbridge/bus';
import { VoiceSubjects, type ReplyEvent } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { FakeOpenAiCompatibleServer, freePort, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { LlmRouterEnv } from '../src/config/llm-router.env';
import { serviceSchema } from '../src/persistence/schema';

/**
 * `llm_provider: auto` on an llm-router without OPENROUTER_API_KEY: the Ollama default. Real:
 * llm-router booted in-process, NATS, Postgres, HTTP over real sockets (and a port nobody listens
 * on). Fake: agent-api's `agents.v1.agent.get` responder, the OpenAI-compatible server standing in
 * for Ollama. Turns are text turns (`llm.v1.turn.text`); no session-store, so no history.
 */

const definition = { service: 'llm-router' as const, env: LlmRouterEnv, module: AppModule.register.bind(AppModule) };

describe('llm-router llm_provider auto without OPENROUTER_API_KEY', () => {
  const infra = testInfra();
  const taps: SubjectTap[] = [];

  beforeAll(async () => {
    await runMigrations(infra.databaseUrl, [serviceSchema]);
  });

  afterAll(async () => {
    await Promise.all(taps.map((tap) => tap.stop()));
  });

  async function start(env: Record<string, string>) {
    const namespace = uniqueNamespace('llm-auto');
    const bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'llm-auto-test' });
    const directory = new FakeAgentDirectory(bus);
    const service: RunningService = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      DATABASE_URL: infra.databaseUrl,
      LLM_FIRST_TOKEN_MS: '5000',
      ...env,
    });
    return {
      directory,
      /** Runs a text turn for the agent and returns the session's reply events once it ended. */
      async turn(agentId: string, content: string): Promise<ReplyEvent[]> {
        const sessionId = randomUUID();
        const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
        taps.push(tap);
        await bus.requestJson(VoiceSubjects.textTurn, { session_id: sessionId, agent_id: agentId, turn_id: randomUUID(), content });
        return tap.expectEventually(() => {
          const replies = tap.on('reply').map((r) => r.json as ReplyEvent);
          expect(replies.some((r) => r.kind === 'done' || r.kind === 'error')).toBe(true);
          return replies;
        });
      },
      async stop(): Promise<void> {
        await service.close();
        directory.stop();
        await bus.drain();
      },
    };
  }

  describe('with Ollama answering', () => {
    let ollama: FakeOpenAiCompatibleServer;
    let router: Awaited<ReturnType<typeof start>>;

    beforeAll(async () => {
      ollama = await FakeOpenAiCompatibleServer.start();
      router = await start({ OLLAMA_BASE_URL: ollama.url, OLLAMA_MODEL: 'llama3.2:1b' });
    });

    afterAll(async () => {
      await router?.stop();
      await ollama?.close();
    });

    it("asks Ollama for OLLAMA_MODEL, not the agent's OpenRouter model, and names what answered", async () => {
      ollama.script({ tokens: ['Local', ' llama', '.'] });
      const agent = router.directory.add({ llm_provider: 'auto', llm_model: 'anthropic/claude-3.5-sonnet', llm_base_url: null });

      const replies = await router.turn(agent.id, 'Who answers?');

      expect(replies.find((r) => r.kind === 'done')).toMatchObject({ text: 'Local llama.', provider: 'ollama', model: 'llama3.2:1b' });
      expect((ollama.requests.at(-1)?.body as { model: string }).model).toBe('llama3.2:1b');
    });
  });

  describe('with nothing listening at OLLAMA_BASE_URL', () => {
    let deadUrl: string;
    let router: Awaited<ReturnType<typeof start>>;

    beforeAll(async () => {
      deadUrl = `http://127.0.0.1:${await freePort()}/v1`;
      router = await start({ OLLAMA_BASE_URL: deadUrl });
    });

    afterAll(async () => {
      await router?.stop();
    });

    it('ends the turn with an error naming Ollama, its address and how to configure a provider', async () => {
      const agent = router.directory.add({ llm_provider: 'auto', llm_base_url: null });

      const replies = await router.turn(agent.id, 'Hello?');

      expect(replies.map((r) => r.kind)).toEqual(['error']);
      expect(replies[0]).toMatchObject({
        error_code: 'unavailable',
        error_message:
          `No LLM reachable: Ollama at ${deadUrl} refused the connection — start Ollama (ollama serve; ollama pull llama3.2) ` +
          'or set OPENROUTER_API_KEY on llm-router, or point the agent at another provider.',
      });
    });

    it("uses the agent's own llm_base_url and llm_model instead of Ollama when the agent has one", async () => {
      const server = await FakeOpenAiCompatibleServer.start();
      try {
        server.script({ tokens: ['Own', ' server.'] });
        const agent = router.directory.add({ llm_provider: 'auto', llm_model: 'qwen2.5', llm_base_url: server.url });

        const replies = await router.turn(agent.id, 'Where do you run?');

        expect(replies.find((r) => r.kind === 'done')).toMatchObject({ text: 'Own server.', model: 'qwen2.5' });
      } finally {
        await server.close();
      }
    });
  });
});
