import type { TurnAnsweredFact, TurnDeliveredFact, TurnHeardFact, TurnTranscribedFact } from '@voxbridge/contracts';
import { assembleTurn } from './turn-assembly';

const TURN = '0b7c2a8e-2f4a-4c1e-9a57-1d3f6f1b2c3d';
const SESSION = '5d0c9a43-4a5e-4d0c-9a1f-0d1b2a3c4d5e';
const AGENT = '7e1c0a43-4a5e-4d0c-9a1f-0d1b2a3c4d5e';
const ids = { session_id: SESSION, turn_id: TURN };

const transcribed: TurnTranscribedFact = {
  ...ids,
  agent_id: AGENT,
  user_text: 'What time is it?',
  speaker: 'Ada',
  marks: { speech_end: 1_000, end_of_turn_due: 1_600, end_of_turn: 1_602, stt_final: 1_752 },
};
const answered: TurnAnsweredFact = {
  ...ids,
  agent_id: AGENT,
  user_text: 'What time is it?',
  speaker: 'Ada',
  assistant_text: 'It is noon. *smiles* Anything else?',
  outcome: 'done',
  provider: 'openrouter',
  model: 'm',
  marks: { llm_request: 1_760, llm_first_token: 2_010 },
};
const heard = (fields: Partial<TurnHeardFact> = {}): TurnHeardFact => ({
  ...ids,
  heard_text: 'It is noon. Anything else?',
  frames_played: 120,
  final: true,
  interrupted: false,
  seq: 3,
  marks: { tts_first_token: 2_012, first_sentence: 2_200, tts_request: 2_201, tts_first_byte: 2_321, first_frame_published: 2_324 },
  ...fields,
});
const delivered: TurnDeliveredFact = { ...ids, marks: { first_frame_sent: 2_326 } };

describe(assembleTurn.name, () => {
  it('waits until the user\'s words, the answer and the final heard fact are all there', () => {
    expect(assembleTurn(TURN, { transcribed }, false)).toEqual({ kind: 'wait' });
    expect(assembleTurn(TURN, { transcribed, answered }, false)).toEqual({ kind: 'wait' });
    expect(assembleTurn(TURN, { transcribed, answered, heard: heard({ final: false }) }, false)).toEqual({ kind: 'wait' });
  });

  it('keeps whose words they were when several people talk, from either fact (the transcribed one first)', () => {
    const alice = { speaker_id: '80351110224678912', speaker_name: 'Alice' };
    const both = assembleTurn(TURN, { transcribed: { ...transcribed, ...alice }, answered: { ...answered, speaker_id: 'other', speaker_name: 'Other' }, heard: heard() }, false);
    const sttLost = assembleTurn(TURN, { answered: { ...answered, ...alice }, heard: heard() }, true);
    const single = assembleTurn(TURN, { transcribed, answered, heard: heard() }, false);
    expect(both).toMatchObject({ kind: 'write', record: { speakerId: alice.speaker_id, speakerName: 'Alice' } });
    expect(sttLost).toMatchObject({ kind: 'write', record: { speakerId: alice.speaker_id, speakerName: 'Alice' } });
    expect(single.kind === 'write' && [single.record.speakerId, single.record.speakerName]).toEqual([undefined, undefined]);
  });

  it('writes a complete turn with the full answer, its figures from one timeline, and the speaker', () => {
    const sut = assembleTurn(TURN, { transcribed, answered, heard: heard(), delivered }, false);
    if (sut.kind !== 'write') throw new Error(`expected a write, got ${sut.kind}`);
    expect(sut.complete).toBe(true);
    expect(sut.record).toMatchObject({
      userText: 'What time is it?',
      assistantText: 'It is noon. *smiles* Anything else?',
      interrupted: false,
      speaker: 'Ada',
      sttLatencyMs: 150,
      llmTtftMs: 250,
      ttsTtfbMs: 120,
      totalLatencyMs: 1_326,
      overheadMs: 2 + 8 + 2 + 1 + 3 + 2,
      provider: 'openrouter',
    });
    expect(Object.keys(sut.record.timeline ?? {})).toHaveLength(12);
  });

  it('keeps only what was heard when the user talked over the agent', () => {
    const sut = assembleTurn(TURN, { transcribed, answered: { ...answered, outcome: 'cancelled' }, heard: heard({ interrupted: true, heard_text: 'It is noon.' }) }, false);
    expect(sut).toMatchObject({ kind: 'write', record: { assistantText: 'It is noon.', interrupted: true } });
  });

  it('once quiet (a stage died), writes what there is as interrupted with what was played — and the user\'s words from the answer if stt\'s fact is lost', () => {
    const ttsDied = assembleTurn(TURN, { transcribed, answered, heard: heard({ final: false, heard_text: 'It is', frames_played: 30 }) }, true);
    expect(ttsDied).toMatchObject({ kind: 'write', complete: false, record: { assistantText: 'It is', interrupted: true } });

    const nothingPlayed = assembleTurn(TURN, { transcribed, answered }, true);
    expect(nothingPlayed).toMatchObject({ kind: 'write', record: { assistantText: '', interrupted: true, userText: 'What time is it?' } });

    const sttFactLost = assembleTurn(TURN, { answered, heard: heard() }, true);
    expect(sttFactLost).toMatchObject({ kind: 'write', record: { userText: 'What time is it?', speaker: 'Ada' } });
    if (sttFactLost.kind === 'write') expect(sttFactLost.record.overheadMs).toBeUndefined();
  });

  it('writes a failed turn with its error and what was heard instead; stores nothing when nobody knows what the user said', () => {
    const failed = { ...answered, outcome: 'error' as const, assistant_text: '', error_code: 'timeout', error_message: 'ollama timed out', provider: undefined, error_provider: 'ollama' };
    const apology = "Sorry — I can't answer right now.";
    expect(assembleTurn(TURN, { answered: failed }, false)).toEqual({ kind: 'wait' });
    expect(assembleTurn(TURN, { answered: failed, heard: heard({ heard_text: apology }) }, false)).toMatchObject({
      kind: 'write',
      failed: true,
      complete: true,
      record: { userText: 'What time is it?', assistantText: apology, interrupted: false, error: { stage: 'llm', provider: 'ollama', code: 'timeout', message: 'ollama timed out' } },
    });
    const ttsFailed = assembleTurn(TURN, { transcribed, answered, heard: heard({ heard_text: apology, error_code: 'unavailable', error_provider: 'piper' }) }, false);
    expect(ttsFailed).toMatchObject({ kind: 'write', record: { assistantText: apology, error: { stage: 'tts', provider: 'piper', code: 'unavailable', message: null } } });
    expect(assembleTurn(TURN, { transcribed, answered, heard: heard() }, false)).toMatchObject({ kind: 'write', failed: false });
    expect(assembleTurn(TURN, { heard: heard(), delivered }, true)).toEqual({ kind: 'drop', reason: 'no_user_text' });
  });
});
