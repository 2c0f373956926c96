import { ErrorCode } from '@voxbridge/contracts';
import { findUndecodableQuery, findUnstorableInput, MAX_JSON_DEPTH, UNSTORABLE, unstorableInputError } from './unstorable-input';

/** `levels` arrays inside each other, built without recursion. */
function nestedArrays(levels: number): unknown[] {
  const root: unknown[] = [];
  let inner = root;
  for (let level = 1; level < levels; level++) {
    const next: unknown[] = [];
    inner.push(next);
    inner = next;
  }
  return root;
}

describe(findUnstorableInput.name, () => {
  it('finds nothing in ordinary input, emoji (surrogate pairs) included', () => {
    expect(findUnstorableInput({ name: 'Ada 🎉', fallback: [{ model: 'm' }], meta: { a: [1, null, true, 'x'] } })).toBeNull();
    expect(findUnstorableInput(undefined)).toBeNull();
    expect(findUnstorableInput({})).toBeNull();
  });

  it('names every string holding a NUL or an unpaired surrogate by its path, in document order', () => {
    const sut = findUnstorableInput({ name: 'a\u0000', fallback: [{ model: 'ok' }, { model: '\ud800x' }], meta: { deep: { list: ['fine', 'y\udc00'] } } });

    expect(sut).toEqual({
      tooDeep: false,
      fields: { name: [UNSTORABLE.nul], 'fallback.1.model': [UNSTORABLE.surrogate], 'meta.deep.list.1': [UNSTORABLE.surrogate] },
    });
    expect(Object.keys(sut?.fields ?? {})).toEqual(['name', 'fallback.1.model', 'meta.deep.list.1']);
  });

  it('names a bad key with its escaped, cut path, so the answer itself stays printable', () => {
    const long = `${'k'.repeat(100)}\u0000`;
    const sut = findUnstorableInput({ meta: { 'a\u0000b': 1, 'x.y': { [long]: 2 } } });

    expect(sut?.fields).toEqual({
      'meta["a\\u0000b"]': [UNSTORABLE.nulKey],
      [`meta["x.y"]["${'k'.repeat(64)}…"]`]: [UNSTORABLE.nulKey],
    });
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, naming where`, () => {
    expect(findUnstorableInput(nestedArrays(MAX_JSON_DEPTH))).toBeNull();

    const sut = findUnstorableInput({ meta: nestedArrays(MAX_JSON_DEPTH) });

    expect(sut).toEqual({ tooDeep: true, fields: { [`meta${'.0'.repeat(MAX_JSON_DEPTH - 1)}`]: [UNSTORABLE.tooDeep] } });
  });

  it('names __proto__, constructor and prototype keys at any depth, as JSON.parse makes them', () => {
    const sut = findUnstorableInput(JSON.parse('{"__proto__":{"isAdmin":true},"meta":{"a":[{"constructor":{"prototype":{"x":1}}}],"prototype":1}}'));

    expect(sut?.fields).toEqual({
      ['__proto__']: [UNSTORABLE.prototypeKey],
      'meta.a.0.constructor': [UNSTORABLE.prototypeKey],
      'meta.prototype': [UNSTORABLE.prototypeKey],
    });
    expect(findUnstorableInput({ meta: { proto: 1, constructors: 2, __proto: 3 } })).toBeNull();
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(findUnstorableInput(nestedArrays(100_000))?.tooDeep).toBe(true);
  });

  it('names at most 20 fields however many are bad', () => {
    const sut = findUnstorableInput(Array.from({ length: 10_000 }, () => '\u0000'));

    expect(Object.keys(sut?.fields ?? {})).toHaveLength(20);
  });
});

describe(findUndecodableQuery.name, () => {
  it('finds nothing in a well-encoded query, "+" and encoded UTF-8 included', () => {
    expect(findUndecodableQuery('/api/sessions?user_id=Zo%C3%AB+x&limit=5&flag&=&a=b=c')).toBeNull();
    expect(findUndecodableQuery('/api/sessions')).toBeNull();
  });

  it('names each parameter whose value or name is not valid percent-encoded UTF-8', () => {
    const sut = findUndecodableQuery('/api/sessions?user_id=%ff&limit=5&cursor=%&title=%ED%A0%80&%E0%A4=1');

    expect(sut?.fields).toEqual({
      user_id: [UNSTORABLE.badEncoding],
      cursor: [UNSTORABLE.badEncoding],
      title: [UNSTORABLE.badEncoding],
      '["%E0%A4"]': [UNSTORABLE.badEncoding],
    });
  });
});

describe(unstorableInputError.name, () => {
  it('is a 400 validation_failed naming the fields, and the depth limit when it was passed', () => {
    const sut = unstorableInputError({ tooDeep: true, fields: { meta: [UNSTORABLE.tooDeep], name: [UNSTORABLE.nul] } });

    expect(sut.getStatus()).toBe(400);
    expect(sut.getResponse()).toEqual({
      code: ErrorCode.ValidationFailed,
      message: `JSON nests deeper than ${MAX_JSON_DEPTH} levels; invalid fields: meta, name`,
      fields: { meta: [UNSTORABLE.tooDeep], name: [UNSTORABLE.nul] },
    });
  });
});
