import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { decodeJson, encodeJson } from './json';

class Inner {
  @IsInt()
  @Min(1)
  count!: number;
}

class Outer {
  @IsString()
  name!: string;

  @ValidateNested()
  @Type(() => Inner)
  inner!: Inner;
}

const bytes = (value: unknown) => encodeJson(value);

describe('decodeJson', () => {
  it('return an instance of the class for a valid body', () => {
    const result = decodeJson(bytes({ name: 'a', inner: { count: 2 } }), Outer);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toBeInstanceOf(Outer);
    expect(result.value.inner).toBeInstanceOf(Inner);
    expect(result.value).toEqual({ name: 'a', inner: { count: 2 } });
  });

  it('name every failing property, nested ones by path', () => {
    const result = decodeJson(bytes({ name: 3, inner: { count: 0 } }), Outer);
    expect(result).toEqual({
      ok: false,
      problems: ['name: name must be a string', 'inner.count: count must not be less than 1'],
      fields: { name: ['name must be a string'], 'inner.count': ['count must not be less than 1'] },
    });
  });

  it('refuse properties the class does not declare', () => {
    const result = decodeJson(bytes({ name: 'a', inner: { count: 1 }, admin: true }), Outer);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(['admin: property admin should not exist']);
  });

  it.each([
    [new TextEncoder().encode('{not json'), 'body is not valid JSON'],
    [new Uint8Array([0xff, 0xfe]), 'body is not valid JSON'],
    [bytes([1, 2]), 'body must be a JSON object, got array'],
    [bytes(null), 'body must be a JSON object, got null'],
    [bytes('text'), 'body must be a JSON object, got string'],
  ])('refuse a body that is not a JSON object (%#)', (data, problem) => {
    expect(decodeJson(data, Outer)).toMatchObject({ ok: false, problems: [problem] });
  });
});
