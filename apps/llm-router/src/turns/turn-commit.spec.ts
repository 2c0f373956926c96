import { buildCommittedTurn, type CommitInput } from './turn-commit';

const base: CommitInput = {
  turnId: '0b7c2a8e-2f4a-4c1e-9a57-1d3f6f1b2c3d',
  sessionId: '5d0c9a43-4a5e-4d0c-9a1f-0d1b2a3c4d5e',
  agentId: '7e1c0a43-4a5e-4d0c-9a1f-0d1b2a3c4d5e',
  userText: 'What time is it?',
  assistantText: 'It is noon.',
  interrupted: false,
  llmTtftMs: 300,
  provider: 'openai-compatible',
  model: 'llama3.2',
  now: new Date('2026-01-01T12:00:00Z'),
};

describe(buildCommittedTurn.name, () => {
  it('commits a text turn with what answered and its time to first token, and no voice latencies', () => {
    const sut = buildCommittedTurn(base);

    expect(sut).not.toHaveProperty('total_latency_ms');
    expect(sut).not.toHaveProperty('overhead_ms');
    expect(sut).toMatchObject({ llm_ttft_ms: 300, provider: 'openai-compatible', assistant_text: 'It is noon.', committed_at: '2026-01-01T12:00:00.000Z' });
  });

  it('leaves out what is unknown', () => {
    const { llmTtftMs: _ttft, provider: _provider, model: _model, ...bare } = base;
    expect(Object.keys(buildCommittedTurn(bare)).sort()).toEqual(['agent_id', 'assistant_text', 'committed_at', 'interrupted', 'session_id', 'turn_id', 'user_text']);
  });
});
