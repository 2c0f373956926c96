import { ActionFilter } from './action-filter';
import { SentenceChunker, SentenceChunkerOptions } from './sentence-chunker';

/** Chunks of `text` fed in one piece, with the first-clause rule off unless asked for. */
function chunksOf(text: string, options: SentenceChunkerOptions = {}): string[] {
  const sut = new SentenceChunker({ firstClauseMinChars: 0, ...options });
  return [...sut.push(text), ...sut.flush()];
}

/** Deterministic pseudo-random token splits (LLM deltas are 1–6 characters). */
function splitRandomly(text: string, seed: number): string[] {
  const parts: string[] = [];
  let state = seed;
  for (let offset = 0; offset < text.length; ) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const size = 1 + (state % 6);
    parts.push(text.slice(offset, offset + size));
    offset += size;
  }
  return parts;
}

describe(SentenceChunker.name, () => {
  it('cuts sentences at . ? ! followed by whitespace, keeping closing quotes and brackets', () => {
    expect(chunksOf('Hello there, friend. How are you today? I am fine!\nGreat to hear.')).toEqual([
      'Hello there, friend.',
      'How are you today?',
      'I am fine!',
      'Great to hear.',
    ]);
    expect(chunksOf('She said "it works." Then she left (quietly.) The end is near.')).toEqual([
      'She said "it works."',
      'Then she left (quietly.)',
      'The end is near.',
    ]);
  });

  it('does not cut after abbreviations, dotted abbreviations or initials', () => {
    expect(chunksOf('Dr. Smith met Mr. and Mrs. Jones on Baker St. yesterday. They talked a lot.')).toEqual([
      'Dr. Smith met Mr. and Mrs. Jones on Baker St. yesterday.',
      'They talked a lot.',
    ]);
    expect(chunksOf('Bring fruit, e.g. apples, i.e. the red ones, etc. and more. The U.S. team won vs. them. Next one.')).toEqual([
      'Bring fruit, e.g. apples, i.e. the red ones, etc. and more.',
      'The U.S. team won vs. them.',
      'Next one.',
    ]);
    expect(chunksOf('I love J. R. R. Tolkien and his books. And J.K. Rowling too.')).toEqual([
      'I love J. R. R. Tolkien and his books.',
      'And J.K. Rowling too.',
    ]);
  });

  it('does not cut inside decimals, ellipses or after list numbers', () => {
    expect(chunksOf('Pi is about 3.14 or so. Version 2.0.1 shipped today.')).toEqual(['Pi is about 3.14 or so.', 'Version 2.0.1 shipped today.']);
    expect(chunksOf('Well... I suppose so. Hmm… maybe not, who knows. Fine.')).toEqual(['Well... I suppose so.', 'Hmm… maybe not, who knows.', 'Fine.']);
    expect(chunksOf('Here is the plan:\n1. Buy milk and bread.\n2. Bake a cake.\n10. Eat it all.')).toEqual([
      'Here is the plan:',
      '1. Buy milk and bread.',
      '2. Bake a cake.',
      '10. Eat it all.',
    ]);
  });

  it('merges pieces shorter than the minimum with the next one', () => {
    expect(chunksOf('Yes. No. Maybe so, my friend. Ok.')).toEqual(['Yes. No. Maybe so, my friend.', 'Ok.']);
    expect(chunksOf('Yes. Okay then.', { minChars: 20 })).toEqual(['Yes. Okay then.']);
  });

  it('lets only the first chunk end at a clause once it is long enough', () => {
    const text = 'Sure, let me look that up for you, it will take a moment; please wait. Then, after that, we continue.';
    expect(chunksOf(text, { firstClauseMinChars: 24 })).toEqual([
      'Sure, let me look that up for you,',
      'it will take a moment; please wait.',
      'Then, after that, we continue.',
    ]);
    expect(chunksOf('The number is 3,000,000 and more of them; really a lot.', { firstClauseMinChars: 10 })).toEqual([
      'The number is 3,000,000 and more of them;',
      'really a lot.',
    ]);
    expect(chunksOf('One thing matters most—kindness to everyone. Yes.', { firstClauseMinChars: 15 })).toEqual([
      'One thing matters most—',
      'kindness to everyone.',
      'Yes.',
    ]);
  });

  it('cuts text without any boundary at a space before the maximum length', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunksOf(words, { maxChars: 50 });
    expect(chunks.every((c) => c.length <= 50)).toBe(true);
    expect(chunks.join(' ')).toBe(words);
  });

  it('removes *stage directions* when filtering actions, and keeps them otherwise', () => {
    const text = '*waves happily* Hello there, traveler! I am **really** glad *smiles* you came. 5 * 3 is fifteen.';
    expect(chunksOf(text, { filterActions: true })).toEqual(['Hello there, traveler!', 'I am really glad you came.', '5 * 3 is fifteen.']);
    expect(chunksOf(text)).toEqual(['*waves happily* Hello there, traveler!', 'I am **really** glad *smiles* you came.', '5 * 3 is fifteen.']);
    expect(chunksOf('A star *never closed here. Is it kept?', { filterActions: true })).toEqual(['A star never closed here.', 'Is it kept?']);
  });

  it('gives the same chunks however the text is split into deltas', () => {
    const text =
      '*clears throat* Dr. J. R. R. Tolkien wrote 3.5 books, e.g. "The Hobbit"... or so. Really?! Yes.\n1. First item here.\n2. Second (item) here! ' +
      'Well — that is all, i.e. the end, folks. Ok';
    for (const filterActions of [false, true]) {
      const options = { filterActions, firstClauseMinChars: 20 };
      const whole = chunksOf(text, options);
      expect(whole.length).toBeGreaterThan(4);
      for (let seed = 1; seed <= 25; seed++) {
        const sut = new SentenceChunker(options);
        const chunks = splitRandomly(text, seed).flatMap((delta) => sut.push(delta));
        expect([...chunks, ...sut.flush()]).toEqual(whole);
      }
      const sut = new SentenceChunker(options);
      expect([...[...text].flatMap((char) => sut.push(char)), ...sut.flush()]).toEqual(whole);
    }
  });

  it('emits a sentence as soon as the whitespace after it arrives, and starts over after flush', () => {
    const sut = new SentenceChunker();
    expect(sut.push('The first sentence.')).toEqual([]);
    expect(sut.push(' The')).toEqual(['The first sentence.']);
    expect(sut.flush()).toEqual(['The']);
    expect(sut.push('Another stream here, with a long first clause, ok')).toEqual(['Another stream here, with a long first clause,']);
  });
});

describe(ActionFilter.name, () => {
  it('releases an action left open at a line break', () => {
    const sut = new ActionFilter();
    expect(sut.push('a *b c\nd *e* f') + sut.flush()).toBe('a b c\nd  f');
  });
});
