import type { MessageDto, SessionDto } from '@voxbridge/contracts';
import { transcriptText, type SessionExport } from './transcript-export';

const session: SessionDto = {
  id: '0b7e4a52-9d0e-4d0b-8f7a-3c2e9a1d5e60',
  user_id: 'user-42',
  user_name: 'Ada',
  title: 'Capital of France',
  agent_id: '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11',
  active: false,
  started_at: '2026-12-04T15:09:07.123Z',
  ended_at: '2026-12-04T15:12:00.000Z',
  session_type: 'webrtc',
  session_metadata: {},
  message_count: 4,
};

function message(fields: Partial<MessageDto>): MessageDto {
  return {
    id: 'm',
    session_id: session.id,
    turn_id: null,
    role: 'user',
    content: '',
    speaker: null,
    created_at: '2026-12-04T15:09:10.456Z',
    stt_latency_ms: null,
    llm_ttft_ms: null,
    tts_ttfb_ms: null,
    total_latency_ms: null,
    overhead_ms: null,
    interrupted: false,
    provider: null,
    model: null,
    timeline: null,
    ...fields,
  };
}

describe(transcriptText.name, () => {
  it('writes a header and one "[time] Speaker: text" line per message, saying what failed and what was cut', () => {
    const exported: SessionExport = {
      exported_at: '2026-12-04T16:00:00.000Z',
      agent_name: 'Auren',
      session,
      messages: [
        message({ content: 'what is the capital of france' }),
        message({
          role: 'assistant',
          content: "Sorry — I can't answer right now.",
          created_at: '2026-12-04T15:09:11.000Z',
          error: { stage: 'llm', provider: 'ollama', code: 'unavailable', message: 'connection refused' },
        }),
        message({ content: 'and of Italy?\nplease', speaker_name: 'Bob', created_at: '2026-12-04T15:10:00Z' }),
        message({ role: 'assistant', content: 'Rome is', interrupted: true, created_at: '2026-12-04T15:10:01Z' }),
      ],
    };

    const sut = transcriptText(exported);

    expect(sut.split('\n')).toEqual([
      'Capital of France',
      `Session ${session.id} · webrtc · started 2026-12-04 15:09:07 UTC · ended 2026-12-04 15:12:00 UTC`,
      'With Ada and Auren · 4 messages',
      '',
      '[2026-12-04 15:09:10] Ada: what is the capital of france',
      "[2026-12-04 15:09:11] Auren: Sorry — I can't answer right now.",
      '    (turn failed: llm ollama unavailable — connection refused; the text above is what was said instead)',
      '[2026-12-04 15:10:00] Bob: and of Italy?',
      '    please',
      '[2026-12-04 15:10:01] Auren: Rome is',
      '    (interrupted: only what was heard)',
      '',
    ]);
  });

  it('names a deleted agent and an unnamed user plainly', () => {
    const sut = transcriptText({ exported_at: '', agent_name: null, session: { ...session, user_name: null, ended_at: null }, messages: [message({ role: 'assistant', content: 'Hi' })] });
    expect(sut).toContain('· ongoing\nWith user-42 and a deleted agent · 1 messages');
    expect(sut).toContain('] Assistant: Hi');
  });
});
