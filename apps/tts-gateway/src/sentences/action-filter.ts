/**
 * Removes `*stage directions*` from a token stream before it is spoken, when the agent sets
 * `filter_actions_for_tts`. Streaming and split-proof: it is a character state machine, so any
 * split of the same text gives the same output.
 *
 * Rules (markdown emphasis conventions):
 * - `*waves*` is removed; `**bold**` keeps its words and loses the asterisks;
 * - a `*` followed by whitespace is literal (`5 * 3`);
 * - an action left open at a line break or at the end of the stream was not an action: its text
 *   is released (without the `*`), so nothing the model wrote is silently lost.
 * - Parentheses are left alone: `(Paris)`, `(see below)` are content far more often than
 *   `(laughs)`; prompts should ask for `*actions*`.
 */
export class ActionFilter {
  private state: 'text' | 'star' | 'action' | 'bold' | 'boldStar' = 'text';
  private held = '';

  push(delta: string): string {
    let out = '';
    for (const char of delta) out += this.step(char);
    return out;
  }

  flush(): string {
    const out = this.state === 'action' ? this.held : this.state === 'star' ? '*' : '';
    this.state = 'text';
    this.held = '';
    return out;
  }

  private step(char: string): string {
    switch (this.state) {
      case 'text':
        if (char === '*') {
          this.state = 'star';
          return '';
        }
        return char;
      case 'star':
        if (char === '*') {
          this.state = 'bold';
          return '';
        }
        if (/\s/.test(char)) {
          this.state = 'text';
          return `*${char}`;
        }
        this.state = 'action';
        this.held = char;
        return '';
      case 'action':
        if (char === '*') {
          this.state = 'text';
          this.held = '';
          return '';
        }
        if (char === '\n') {
          const released = this.held + char;
          this.state = 'text';
          this.held = '';
          return released;
        }
        this.held += char;
        return '';
      case 'bold':
        if (char === '*') {
          this.state = 'boldStar';
          return '';
        }
        return char;
      case 'boldStar':
        this.state = char === '*' ? 'text' : 'bold';
        return char === '*' ? '' : char;
    }
  }
}
