import { databaseNameOf, redactDatabaseUrl, redactSecrets } from './database-url';
import { PersistenceErrorCode } from './persistence.errors';

describe(redactDatabaseUrl.name, () => {
  it('replaces the password and keeps the rest', () => {
    expect(redactDatabaseUrl('postgres://vox:s3cr%40t@db.local:5433/voxbridge?sslmode=require')).toBe(
      'postgres://vox:***@db.local:5433/voxbridge?sslmode=require',
    );
  });

  it('replaces a password given as a query parameter', () => {
    const sut = redactDatabaseUrl('postgres://vox@db/voxbridge?password=hunter2&application_name=x');
    expect(sut).not.toContain('hunter2');
    expect(sut).toContain('application_name=x');
  });

  it('leaves a URL without password unchanged', () => {
    expect(redactDatabaseUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres://postgres@127.0.0.1:5432/postgres');
  });

  it('does not echo an unparseable value, which could be a bare password', () => {
    expect(redactDatabaseUrl('vox:hunter2@nowhere')).not.toContain('hunter2');
  });
});

describe(redactSecrets.name, () => {
  it('removes the password in raw and decoded form from any text', () => {
    const url = 'postgres://vox:p%40ss@db/voxbridge';
    expect(redactSecrets('auth failed for p@ss and p%40ss', url)).toBe('auth failed for *** and ***');
  });

  it('returns the text unchanged when the URL has no password', () => {
    expect(redactSecrets('connection refused', 'postgres://vox@db/voxbridge')).toBe('connection refused');
  });
});

describe(databaseNameOf.name, () => {
  it('reads the decoded database name', () => {
    expect(databaseNameOf('postgresql://vox@db:5432/vox%20bridge')).toBe('vox bridge');
  });

  it.each([
    ['no database', 'postgres://vox:hunter2@db:5432/'],
    ['not a postgres URL', 'mysql://vox:hunter2@db/voxbridge'],
    ['not a URL', 'hunter2'],
  ])('rejects %s without printing the password', (_, url) => {
    let caught: unknown;
    try {
      databaseNameOf(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: PersistenceErrorCode.InvalidDatabaseUrl });
    expect((caught as Error).message).not.toContain('hunter2');
  });
});
