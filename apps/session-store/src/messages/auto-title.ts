export const AUTO_TITLE_MAX_CHARS = 50;

/**
 * The title a first user message gives its session: the text on one line, cut to at most
 * AUTO_TITLE_MAX_CHARS on a word boundary with `…` appended when cut; null for blank text.
 */
export function autoTitle(text: string): string | null {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length === 0) return null;
  const chars = Array.from(line); // code points, so a cut never splits a surrogate pair
  if (chars.length <= AUTO_TITLE_MAX_CHARS) return line;
  const head = chars.slice(0, AUTO_TITLE_MAX_CHARS).join('');
  const nextIsSpace = chars[AUTO_TITLE_MAX_CHARS] === ' ';
  const lastSpace = head.lastIndexOf(' ');
  // Cut at the last space unless the text is one long word (then cut mid-word rather than keep nothing).
  const cut = nextIsSpace ? head : lastSpace > 0 ? head.slice(0, lastSpace) : head;
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}
