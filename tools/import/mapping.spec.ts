import { generateFernetKey, fernetEncrypt, parseFernetKey } from './fernet';
import { ImportError, ImportErrorCode } from './import.errors';
import { ENCRYPTED_PREFIX, planImport, type MappingOptions } from './mapping';
import type { Row, SourceSnapshot } from './source';
import { isUuid, stableId, uuidV5 } from './stable-id';

const AGENT_ID = '0f8b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const SESSION_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const oldKeyText = generateFernetKey();
const oldKey = parseFernetKey(oldKeyText);
const options: MappingOptions = { oldKey, localLlmBaseUrl: 'http://ollama:11434/v1' };

function agentRow(overrides: Row = {}): Row {
  return {
    id: AGENT_ID,
    name: 'Auren',
    description: null,
    system_prompt: 'You are Auren.',
    llm_provider: 'openrouter',
    llm_model: 'anthropic/claude-3.5-sonnet',
    temperature: 0.6,
    llm_provider_id: null,
    tts_voice: 'auren_voice',
    tts_exaggeration: 1.3,
    tts_cfg_weight: 0.6,
    tts_temperature: 0.4,
    tts_language: 'fr',
    filter_actions_for_tts: true,
    use_n8n: false,
    n8n_webhook_url: null,
    is_default: true,
    plugins: {},
    max_utterance_time_ms: 90_000,
    memory_scope: 'global',
    created_at: new Date('2025-11-01T10:00:00Z'),
    updated_at: new Date('2025-11-02T10:00:00Z'),
    is_active: true,
    ...overrides,
  };
}

function snapshot(overrides: Partial<SourceSnapshot> = {}): SourceSnapshot {
  return { agents: [agentRow()], sessions: [], conversations: [], llmProviders: new Map(), unmappedTables: [], ...overrides };
}

describe(planImport.name, () => {
  it("maps an agent's LLM and tts_* fields onto the fleet's agent", () => {
    const sut = planImport(snapshot(), options);

    expect(sut.agents).toEqual([
      expect.objectContaining({
        id: AGENT_ID,
        name: 'Auren',
        temperature: 0.6,
        llm_provider: 'openrouter',
        llm_model: 'anthropic/claude-3.5-sonnet',
        llm_base_url: null,
        is_default: true,
        max_utterance_ms: 90_000,
        tts_voice: 'auren_voice',
        tts_exaggeration: 1.3,
        tts_cfg_weight: 0.6,
        tts_temperature: 0.4,
        tts_language: 'fr',
        filter_actions_for_tts: true,
        created_at: new Date('2025-11-01T10:00:00Z'),
      }),
    ]);
  });

  it('turns use_n8n into the n8n provider and keeps the agent model as its fallback', () => {
    const sut = planImport(snapshot({ agents: [agentRow({ use_n8n: true, n8n_webhook_url: 'https://n8n.example/webhook/a' })] }), options);

    expect(sut.agents[0]).toEqual(
      expect.objectContaining({
        llm_provider: 'n8n',
        n8n_webhook_url: 'https://n8n.example/webhook/a',
        fallback: [{ provider: 'openrouter', model: 'anthropic/claude-3.5-sonnet' }],
      }),
    );
  });

  it('imports plugins.n8n disabled, since the original never ran it, and says so', () => {
    const sut = planImport(snapshot({ agents: [agentRow({ plugins: { n8n: { enabled: true, webhook_url: 'https://n8n.example/w', fallback_only: false } } })] }), options);

    expect(sut.agents[0]?.plugins).toEqual({ n8n: { enabled: false, webhook_url: 'https://n8n.example/w', fallback_only: false } });
    expect(sut.notes).toEqual([expect.stringContaining('plugins.n8n imported disabled')]);
  });

  it('maps the local provider to an OpenAI-compatible server at its llm_providers base URL, else the given one', () => {
    const providerId = '22222222-2222-4222-8222-222222222222';
    const sut = planImport(
      snapshot({
        agents: [agentRow({ llm_provider: 'local', llm_provider_id: providerId }), agentRow({ id: 'b', name: 'Other', llm_provider: 'local' })],
        llmProviders: new Map([[providerId, { id: providerId, provider_type: 'ollama', base_url: 'http://gpu:11434/v1' }]]),
      }),
      options,
    );

    expect(sut.agents.map((agent) => [agent.llm_provider, agent.llm_base_url])).toEqual([
      ['openai_compatible', 'http://gpu:11434/v1'],
      ['openai_compatible', 'http://ollama:11434/v1'],
    ]);
  });

  it('decrypts Fernet plugin secrets and keeps non-secret fields', () => {
    const token = fernetEncrypt('discord-bot-token-123', oldKey);
    const plugins = { discord: { enabled: true, bot_token: `${ENCRYPTED_PREFIX}${token}`, auto_join: false, command_prefix: '!' } };

    const sut = planImport(snapshot({ agents: [agentRow({ plugins })] }), options);

    expect(sut.agents[0]?.plugins).toEqual({ discord: { enabled: true, bot_token: 'discord-bot-token-123', auto_join: false, command_prefix: '!' } });
    expect(sut.secrets).toEqual({ decrypted: 1, plaintext: 0 });
  });

  it('fails naming the field when the old key is wrong', () => {
    const token = fernetEncrypt('discord-bot-token-123', parseFernetKey(generateFernetKey()));
    const source = snapshot({ agents: [agentRow({ plugins: { discord: { enabled: true, bot_token: `${ENCRYPTED_PREFIX}${token}` } } })] });

    const sut = () => planImport(source, options);

    expect(sut).toThrow(expect.objectContaining({ code: ImportErrorCode.OldKeyWrong, message: expect.stringContaining('plugins.discord.bot_token') }));
    expect(sut).toThrow(ImportError);
  });

  it('fails asking for the old key when a secret is encrypted and none was given', () => {
    const token = fernetEncrypt('x'.repeat(20), oldKey);
    const source = snapshot({ agents: [agentRow({ plugins: { n8n: { enabled: false, webhook_url: `${ENCRYPTED_PREFIX}${token}` } } })] });

    expect(() => planImport(source, { ...options, oldKey: undefined })).toThrow(expect.objectContaining({ code: ImportErrorCode.OldKeyMissing }));
  });

  it('imports an agent on an unknown provider as auto and lists the provider', () => {
    const sut = planImport(snapshot({ agents: [agentRow({ llm_provider: 'anthropic' })] }), options);

    expect(sut.agents[0]).toEqual(expect.objectContaining({ llm_provider: 'auto', llm_model: 'anthropic/claude-3.5-sonnet' }));
    expect(sut.unmapped).toEqual([{ what: expect.stringContaining('agents.llm_provider "anthropic"'), items: [AGENT_ID] }]);
  });

  it('skips an agent the fleet would refuse, and its sessions and messages, with reasons', () => {
    const sut = planImport(
      snapshot({
        agents: [agentRow({ system_prompt: '' })],
        sessions: [{ id: SESSION_ID, user_id: 'u1', agent_id: AGENT_ID }],
        conversations: [{ id: 7, session_id: SESSION_ID, role: 'user', content: 'hi' }],
      }),
      options,
    );

    expect(sut.skipped).toEqual([
      { kind: 'agents', id: AGENT_ID, reason: 'system_prompt must be 1-10000 characters' },
      { kind: 'sessions', id: SESSION_ID, reason: expect.stringContaining('is not imported') },
      { kind: 'messages', id: '7', reason: expect.stringContaining('is not imported') },
    ]);
  });

  it('lists what the fleet cannot hold: unknown plugin types, memory scope, durations, tables', () => {
    const sut = planImport(
      snapshot({
        agents: [agentRow({ memory_scope: 'agent', plugins: { matrix: { enabled: true } } })],
        sessions: [{ id: SESSION_ID, user_id: 'u1', agent_id: AGENT_ID }],
        conversations: [{ id: 7, session_id: SESSION_ID, role: 'assistant', content: 'hello', tts_duration_ms: 800 }],
        unmappedTables: [{ table: 'user_facts', label: 'memory facts (user_facts)', keys: ['f1', 'f2'] }],
      }),
      options,
    );

    expect(sut.unmapped).toEqual(
      expect.arrayContaining([
        { what: 'memory facts (user_facts)', items: ['f1', 'f2'] },
        { what: expect.stringContaining('agents.plugins.matrix'), items: [AGENT_ID] },
        { what: expect.stringContaining('agents.memory_scope'), items: [AGENT_ID] },
        { what: expect.stringContaining('conversations.tts_duration_ms'), items: ['7'] },
      ]),
    );
  });

  it('maps sessions (metadata text, guild id) and conversations with latencies under stable ids', () => {
    const sut = planImport(
      snapshot({
        sessions: [
          { id: SESSION_ID, user_id: 'discord:42', user_name: 'Ann', title: null, agent_id: AGENT_ID, active: false, session_type: 'discord',
            session_metadata: '{"channel":"c1"}', discord_guild_id: 'g9', started_at: new Date('2025-11-03T00:00:00Z'), ended_at: null },
        ],
        conversations: [
          { id: 7, session_id: SESSION_ID, role: 'assistant', content: 'hello', timestamp: new Date('2025-11-03T00:00:01Z'),
            llm_latency_ms: 420, total_latency_ms: 1300, audio_duration_ms: null, tts_duration_ms: null },
        ],
      }),
      options,
    );

    expect(sut.sessions).toEqual([
      expect.objectContaining({ id: SESSION_ID, title: 'New Conversation', active: false, session_type: 'discord',
        session_metadata: { channel: 'c1', discord_guild_id: 'g9' } }),
    ]);
    expect(sut.messages).toEqual([
      expect.objectContaining({ id: stableId('conversations', 7), session_id: SESSION_ID, role: 'assistant', llm_ttft_ms: 420, total_latency_ms: 1300 }),
    ]);
  });

  it('clamps values the fleet would refuse and says so', () => {
    const sut = planImport(snapshot({ agents: [agentRow({ tts_exaggeration: 3, max_utterance_time_ms: null })] }), options);

    expect(sut.agents[0]).toEqual(expect.objectContaining({ tts_exaggeration: 2, max_utterance_ms: 120_000 }));
    expect(sut.notes).toEqual([`agent ${AGENT_ID}: tts_exaggeration 3 outside 0.25-2, stored 2`]);
  });
});

describe(stableId.name, () => {
  it('keeps a UUID and derives the same UUIDv5 for the same non-UUID id every time', () => {
    expect(stableId('agents', AGENT_ID.toUpperCase())).toBe(AGENT_ID);
    expect(stableId('conversations', 7)).toBe(stableId('conversations', '7'));
    expect(stableId('conversations', 7)).not.toBe(stableId('conversations', 8));
    expect(isUuid(stableId('conversations', 7))).toBe(true);
  });

  it('computes RFC 9562 UUIDv5 (the RFC example: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});
