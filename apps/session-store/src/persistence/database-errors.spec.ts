import { QueryFailedError } from 'typeorm';
import { isRefusedByDatabase } from './database-errors';

const failed = (code: string) => new QueryFailedError('insert into …', [], Object.assign(new Error(`sqlstate ${code}`), { code }));

describe(isRefusedByDatabase.name, () => {
  it.each([
    ['22021', 'a NUL in text (invalid byte sequence for UTF8)'],
    ['22003', 'a number out of range'],
    ['22001', 'a string too long'],
    ['23514', 'a check constraint'],
    ['23502', 'a NOT NULL column'],
  ])('is true for SQLSTATE %s (%s)', (code) => {
    expect(isRefusedByDatabase(failed(code))).toBe(true);
  });

  it.each([
    ['08006', 'a lost connection'],
    ['40001', 'a serialization failure'],
    ['40P01', 'a deadlock'],
    ['57P01', 'an administrator shutdown'],
    ['53300', 'too many connections'],
  ])('is false for SQLSTATE %s (%s): retrying can succeed', (code) => {
    expect(isRefusedByDatabase(failed(code))).toBe(false);
  });

  it('is false for anything that is not a failed query', () => {
    expect(isRefusedByDatabase(Object.assign(new Error('x'), { code: '22021' }))).toBe(false);
    expect(isRefusedByDatabase(new Error('connect ECONNREFUSED'))).toBe(false);
    expect(isRefusedByDatabase(undefined)).toBe(false);
  });
});
