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
  it('computes total latency and overhead from the stt, llm and tts marks', () => {
    const sut = buildCommittedTurn({
      ...base,
      speech: { speechEndAtMs: 10_000, endOfTurnSilenceMs: 600, sttLatencyMs: 150 },
      audio: { firstAudioAtMs: 11_200, ttsTtfbMs: 120 },
    });

    expect(sut).toMatchObject({ total_latency_ms: 1_200, overhead_ms: 30, stt_latency_ms: 150, llm_ttft_ms: 300, tts_ttfb_ms: 120 });
  });

  it('does not count the LLM generating its first sentence as overhead', () => {
    const sut = buildCommittedTurn({
      ...base,
      speech: { speechEndAtMs: 10_000, endOfTurnSilenceMs: 600, sttLatencyMs: 150 },
      audio: { firstAudioAtMs: 11_380, ttsTtfbMs: 120, firstChunkWaitMs: 180 },
    });

    expect(sut).toMatchObject({ total_latency_ms: 1_380, overhead_ms: 30 });
  });

  it('leaves latencies out when a mark is missing, as for a text turn', () => {
    const sut = buildCommittedTurn(base);

    expect(sut).not.toHaveProperty('total_latency_ms');
    expect(sut).not.toHaveProperty('overhead_ms');
    expect(sut).toMatchObject({ llm_ttft_ms: 300, assistant_text: 'It is noon.', committed_at: '2026-01-01T12:00:00.000Z' });
  });
});
