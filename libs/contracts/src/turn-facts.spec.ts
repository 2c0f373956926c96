import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { TurnHeardFact, TurnTranscribedFact } from './turn-facts';

const problems = (plain: object) =>
  validateSync(plainToInstance(TurnHeardFact, plain), { whitelist: true, forbidNonWhitelisted: true }).flatMap((error) => [
    error.property,
    ...(error.children ?? []).map((child) => `${error.property}.${child.property}`),
  ]);

describe(TurnHeardFact.name, () => {
  const valid = {
    session_id: '6f1c1f52-4a47-4d4e-9f1e-3f0c2a8f7e10',
    turn_id: '0b7f3c58-37a4-4a39-a2c4-5d0a52d6a1f3',
    heard_text: 'Hello.',
    frames_played: 40,
    final: true,
    interrupted: false,
    seq: 2,
    marks: { tts_request: 1_000, first_frame_published: 1_130 },
  };

  it('accepts a fact with known marks', () => {
    expect(problems(valid)).toEqual([]);
  });

  it('refuses unknown, negative or fractional marks, naming them', () => {
    expect(problems({ ...valid, marks: { tts_request: -1, first_frame_published: 1.5, bogus: 3 } }).sort()).toEqual([
      'marks',
      'marks.bogus',
      'marks.first_frame_published',
      'marks.tts_request',
    ]);
  });
});

describe(TurnTranscribedFact.name, () => {
  const valid = {
    session_id: '6f1c1f52-4a47-4d4e-9f1e-3f0c2a8f7e10',
    turn_id: '0b7f3c58-37a4-4a39-a2c4-5d0a52d6a1f3',
    agent_id: '1c3e2f4a-37a4-4a39-a2c4-5d0a52d6a1f3',
    user_text: 'Who wants pizza?',
    marks: { stt_final: 1_000 },
  };
  const problemsOf = (plain: object) =>
    validateSync(plainToInstance(TurnTranscribedFact, plain), { whitelist: true, forbidNonWhitelisted: true }).map((error) => error.property);

  it('accepts a fact without a speaker (one speaker) and one naming its speaker', () => {
    expect(problemsOf(valid)).toEqual([]);
    expect(problemsOf({ ...valid, speaker_id: '80351110224678912', speaker_name: 'Zoë “the voice” 🎙' })).toEqual([]);
  });

  it('refuses a speaker id that could not travel in a frame header, and an overlong name', () => {
    expect(problemsOf({ ...valid, speaker_id: 'a b', speaker_name: 'x'.repeat(101) }).sort()).toEqual(['speaker_id', 'speaker_name']);
  });
});
