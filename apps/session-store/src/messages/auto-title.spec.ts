import { AUTO_TITLE_MAX_CHARS, autoTitle } from './auto-title';

describe(autoTitle.name, () => {
  it('keeps a short message whole, on one line', () => {
    expect(autoTitle('  What is the\nweather   today? ')).toBe('What is the weather today?');
  });

  it('cuts a long message on a word boundary and marks the cut', () => {
    const sut = autoTitle('Could you please explain to me how the photosynthesis process works in desert plants?');
    expect(sut).toBe('Could you please explain to me how the…');
    expect(Array.from(sut ?? '').length).toBeLessThanOrEqual(AUTO_TITLE_MAX_CHARS + 1);
  });

  it('keeps a word that ends exactly at the limit', () => {
    const text = `${'a'.repeat(20)} ${'b'.repeat(29)} and more`;
    expect(autoTitle(text)).toBe(`${'a'.repeat(20)} ${'b'.repeat(29)}…`);
  });

  it('cuts one long word mid-word rather than returning nothing', () => {
    expect(autoTitle('x'.repeat(80))).toBe(`${'x'.repeat(50)}…`);
  });

  it('never splits a character made of two code units', () => {
    const sut = autoTitle('😀'.repeat(60)) ?? '';
    expect(Array.from(sut)).toHaveLength(51);
    expect(sut.endsWith('😀…')).toBe(true);
  });

  it('gives no title for blank text', () => {
    expect(autoTitle(' \n\t ')).toBeNull();
  });
});
