import type { MigrationInterface } from 'typeorm';
import { PersistenceErrorCode } from './persistence.errors';
import { parseServiceSchema, quoteIdentifier } from './service-schema';

class Init1700000000000 implements MigrationInterface {
  async up(): Promise<void> {
    return undefined;
  }
  async down(): Promise<void> {
    return undefined;
  }
}

describe(parseServiceSchema.name, () => {
  const valid = { service: 'agent-api', schema: 'agent_api', migrations: [Init1700000000000], entities: [] };

  it('accepts a well-formed manifest as is', () => {
    expect(parseServiceSchema(valid, 'schema.js')).toBe(valid);
  });

  it.each([
    ['a missing export', undefined, 'is missing'],
    ['an empty service', { ...valid, service: '' }, '.service'],
    ['a schema that needs quoting', { ...valid, schema: 'Agent-Api' }, '.schema'],
    ['a schema that is a SQL injection', { ...valid, schema: 'x"; drop schema public; --' }, '.schema'],
    ['migrations given as file globs', { ...valid, migrations: ['dist/migrations/*.js'] }, '.migrations'],
    ['entities missing', { ...valid, entities: undefined }, '.entities'],
  ])('rejects %s, naming the file and the field', (_, value, field) => {
    expect(() => parseServiceSchema(value, 'apps/x/schema.js')).toThrow(expect.objectContaining({ code: PersistenceErrorCode.InvalidServiceSchema }));
    expect(() => parseServiceSchema(value, 'apps/x/schema.js')).toThrow(new RegExp(`apps/x/schema\\.js: serviceSchema .*${field.replace('.', '\\.')}`));
  });
});

describe(quoteIdentifier.name, () => {
  it('doubles embedded quotes', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});
