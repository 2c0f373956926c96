import { ChatMessage } from '../providers/llm-provider';

export interface PromptHistoryMessage {
  role: 'user' | 'assistant';
  /** For assistant turns: only the words the user heard. */
  content: string;
  /** The user spoke over this assistant turn. */
  interrupted?: boolean;
  /** User turns of a conversation with several people: who said it. */
  speakerName?: string;
}

export interface PromptInput {
  systemPrompt: string;
  /** IANA zone of the agent, e.g. `Europe/Berlin`. An unknown zone falls back to UTC, named in the line. */
  timezone: string;
  now: Date;
  /** Oldest first. */
  history: readonly PromptHistoryMessage[];
  userText: string;
  /** Several people share the conversation: who said `userText` (shown to the model as "Name: …"). */
  speakerName?: string;
  /** Upper bound on the characters of all message contents; oldest history goes first. */
  budgetChars?: number;
}

/** Appended to an interrupted assistant turn so the model knows it was cut off mid-sentence. */
export const INTERRUPTED_MARK = '—';

/**
 * System prompt + date/time line, history as heard, the user's text. Pure: same input, same output.
 * The system prompt and the user's text are never trimmed, only history (oldest first). User
 * messages that name their speaker (several people in one conversation) read "Name: text", so the
 * model sees who said what; without a name they are the text alone.
 */
export function assemblePrompt(input: PromptInput): ChatMessage[] {
  const system: ChatMessage = { role: 'system', content: `${input.systemPrompt.trim()}\n\n${dateTimeLine(input.now, input.timezone)}` };
  const user: ChatMessage = { role: 'user', content: spokenBy(input.speakerName, input.userText) };
  const history: ChatMessage[] = input.history.map((message) => ({
    role: message.role,
    content:
      message.role === 'assistant'
        ? message.interrupted
          ? `${message.content.trimEnd()}${INTERRUPTED_MARK}`
          : message.content
        : spokenBy(message.speakerName, message.content),
  }));

  if (input.budgetChars !== undefined) {
    let used = system.content.length + user.content.length + history.reduce((sum, m) => sum + m.content.length, 0);
    while (history.length > 0 && used > input.budgetChars) used -= history.shift()?.content.length ?? 0;
  }
  return [system, ...history, user];
}

/** "Alice: text" when the speaker has a name (line breaks in a name would forge turns: flattened). */
export function spokenBy(speakerName: string | undefined, text: string): string {
  const name = speakerName?.replace(/[\r\n:]+/g, ' ').trim();
  return name ? `${name}: ${text}` : text;
}

/** "Current date and time: Wednesday, 25 November 2026, 14:03 (Europe/Berlin)". */
export function dateTimeLine(now: Date, timezone: string): string {
  const { zone, format } = formatterFor(timezone);
  const parts = format.formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `Current date and time: ${part('weekday')}, ${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')} (${zone})`;
}

/** Building a formatter costs far more than formatting: one per zone asked for (unknown zones → UTC). */
const formatters = new Map<string, { zone: string; format: Intl.DateTimeFormat }>();
/** Agents' zones are a few dozen at most; past this the map starts over instead of growing. */
const MAX_CACHED_ZONES = 1_000;

function formatterFor(timezone: string): { zone: string; format: Intl.DateTimeFormat } {
  const cached = formatters.get(timezone);
  if (cached) return cached;
  const zone = isKnownZone(timezone) ? timezone : 'UTC';
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
  const entry = { zone, format };
  formatters.set(timezone, entry);
  return entry;
}

function isKnownZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: timezone });
    return true;
  } catch {
    // RangeError: not an IANA zone this runtime knows.
    return false;
  }
}
