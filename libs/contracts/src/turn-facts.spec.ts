import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { TurnHeardFact } from './turn-facts';

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
