import { ActionFilter } from './action-filter';

export interface SentenceChunkerOptions {
  /** A candidate chunk shorter than this (after whitespace is collapsed) waits and merges with the next. */
  minChars?: number;
  /** The first chunk may end at `, ; : — –` once it has this many characters (0 = never): first audio sooner. */
  firstClauseMinChars?: number;
  /** Text with no boundary is cut at the last space before this many characters, so latency stays bounded. */
  maxChars?: number;
  /** The agent's `filter_actions_for_tts`: drop `*stage directions*` (see `ActionFilter`). */
  filterActions?: boolean;
}

export const SENTENCE_CHUNKER_DEFAULTS: Required<SentenceChunkerOptions> = {
  minChars: 10,
  firstClauseMinChars: 24,
  maxChars: 300,
  filterActions: false,
};

const TERMINALS = new Set(['.', '?', '!']);
const CLOSERS = new Set(['"', "'", ')', ']', '}', '”', '’', '»']);
const OPENERS = /^["'([{“‘«]+/;
const CLAUSE_MARKS = new Set([',', ';', ':', '–']);
/** Words whose trailing dot does not end a sentence (lower case, inner dots kept). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'etc', 'approx', 'fig', 'inc', 'ltd',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

/**
 * Cuts a stream of LLM token deltas into speakable chunks, usually sentences.
 *
 * A chunk ends after `.`, `?` or `!` (plus closing quotes/brackets) followed by whitespace, at a
 * line break, or — for the first chunk only — after a clause mark once long enough. A dot does not
 * end a sentence after an abbreviation (`Dr.`, `etc.`), initials or dotted abbreviations (`J.`,
 * `e.g.`, `U.S.`), inside an ellipsis (`...`, `…` never end a chunk), in a decimal (`3.14`), or
 * after a list number at the start of a line (`2. Eggs`). Decisions never depend on how the text
 * was split into deltas: a boundary that needs the next character waits for it.
 */
export class SentenceChunker {
  private readonly options: Required<SentenceChunkerOptions>;
  private readonly filter: ActionFilter | undefined;
  private buffer = '';
  private emitted = 0;

  constructor(options: SentenceChunkerOptions = {}) {
    this.options = { ...SENTENCE_CHUNKER_DEFAULTS, ...options };
    this.filter = this.options.filterActions ? new ActionFilter() : undefined;
  }

  /** Adds a token delta; returns the chunks it completes, in order. */
  push(delta: string): string[] {
    this.buffer += this.filter ? this.filter.push(delta) : delta;
    return this.drain();
  }

  /** End of the stream: the remaining text as the last chunk(s). The chunker is then ready for a new stream. */
  flush(): string[] {
    if (this.filter) this.buffer += this.filter.flush();
    const chunks = this.drain();
    const rest = normalize(this.buffer);
    if (speakable(rest)) chunks.push(rest);
    this.buffer = '';
    this.emitted = 0;
    return chunks;
  }

  private drain(): string[] {
    const chunks: string[] = [];
    for (let end = this.findEnd(); end !== null; end = this.findEnd()) {
      const chunk = normalize(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end);
      if (speakable(chunk)) {
        chunks.push(chunk);
        this.emitted += 1;
      }
    }
    return chunks;
  }

  /** End (exclusive) of the first complete chunk in the buffer, or null to wait for more text. */
  private findEnd(): number | null {
    const text = this.buffer;
    const { minChars, maxChars, firstClauseMinChars } = this.options;
    const clauseAllowed = this.emitted === 0 && firstClauseMinChars > 0;
    for (let i = 0; i < text.length; i++) {
      if (i >= maxChars) return cutAtSpace(text, minChars, maxChars);
      const char = text.charAt(i);
      if (char === '\n') {
        if (longEnough(text, i, minChars)) return i;
        continue;
      }
      if (TERMINALS.has(char)) {
        let next = i + 1;
        while (next < text.length && CLOSERS.has(text.charAt(next))) next++;
        if (next >= text.length) return null;
        if (!/\s/.test(text.charAt(next))) continue;
        if (char === '.' && !endsSentence(text, i)) continue;
        if (longEnough(text, next, minChars)) return next;
        continue;
      }
      if (clauseAllowed && (char === '—' || CLAUSE_MARKS.has(char))) {
        if (char !== '—') {
          if (i + 1 >= text.length) return null;
          if (!/\s/.test(text.charAt(i + 1))) continue;
        }
        if (longEnough(text, i + 1, Math.max(minChars, firstClauseMinChars))) return i + 1;
      }
    }
    return null;
  }
}

/** Whether the dot at `index` (followed by whitespace) ends a sentence. */
function endsSentence(text: string, index: number): boolean {
  const before = text.charAt(index - 1);
  if (before === '.' || before === '…') return false;
  const tokenStart = Math.max(text.lastIndexOf(' ', index - 1), text.lastIndexOf('\n', index - 1), text.lastIndexOf('\t', index - 1)) + 1;
  const token = text.slice(tokenStart, index).replace(OPENERS, '');
  if (token === '') return true;
  // Initials and dotted abbreviations: J. / J.K. / e.g. / U.S.
  if (/^(?:\p{L}\.)*\p{L}$/u.test(token) && (token.length > 1 || /\p{Lu}/u.test(token))) return false;
  if (ABBREVIATIONS.has(token.toLowerCase())) return false;
  // A list number at the start of a line (or of what is left to speak): "2. Eggs".
  if (/^\d+$/.test(token) && /(^|\n)[ \t]*$/.test(text.slice(0, tokenStart))) return false;
  return true;
}

function longEnough(text: string, end: number, minChars: number): boolean {
  return normalize(text.slice(0, end)).length >= minChars;
}

function cutAtSpace(text: string, minChars: number, maxChars: number): number {
  const space = text.lastIndexOf(' ', maxChars);
  return space >= minChars ? space : maxChars;
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function speakable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
