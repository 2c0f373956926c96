import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ListSessionsQuery } from './sessions.dto';

function parse(query: Record<string, string>) {
  const value = plainToInstance(ListSessionsQuery, query);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  return { value, invalid: errors.map((e) => e.property) };
}

describe(ListSessionsQuery.name, () => {
  it('reads active=true|false as booleans and limit as a number', () => {
    expect(parse({ active: 'false', limit: '10' })).toEqual({ value: { active: false, limit: 10 }, invalid: [] });
    expect(parse({ active: 'true' }).value.active).toBe(true);
  });

  it('refuses other spellings of active and limits outside 1-200', () => {
    expect(parse({ active: 'yes' }).invalid).toEqual(['active']);
    expect(parse({ limit: '0' }).invalid).toEqual(['limit']);
    expect(parse({ limit: '201' }).invalid).toEqual(['limit']);
  });
});
