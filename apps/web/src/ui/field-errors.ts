/**
 * The API's validation messages (class-validator's, with the field name already cut off) as
 * sentences a person reads next to the field: "must not be greater than 2" → "At most 2."
 */
const RULES: Array<[RegExp, (match: RegExpMatchArray) => string]> = [
  [/^must not be greater than (.+)$/, (m) => `At most ${m[1]}.`],
  [/^must not be less than (.+)$/, (m) => `At least ${m[1]}.`],
  [/^must be longer than or equal to 1 characters?$/, () => 'Required.'],
  [/^must be longer than or equal to (\d+) characters$/, (m) => `At least ${m[1]} characters.`],
  [/^must be shorter than or equal to (\d+) characters$/, (m) => `At most ${m[1]} characters.`],
  [/^should not be empty$/, () => 'Required.'],
  [/^must be a URL address$/, () => 'Enter a full http(s) URL, e.g. http://127.0.0.1:11434/v1.'],
  [/^must be one of the following values: (.+)$/, (m) => `Choose one of: ${m[1]}.`],
  [/^must be one of: (.+)$/, (m) => `Choose one of: ${m[1]}.`],
  [/^must be an integer number$/, () => 'Enter a whole number.'],
  [/^must be a number conforming to the specified constraints$/, () => 'Enter a number.'],
  [/^must be a string$/, () => 'Enter text.'],
  [/^must be a boolean value$/, () => 'Must be on or off.'],
  [/^must be an array$/, () => 'Must be a list.'],
  [/^must contain no more than (\d+) elements$/, (m) => `At most ${m[1]} entries.`],
  [/^must be a UUID$/, () => 'Must be an id (UUID).'],
  [/^must match (.+) regular expression$/, () => 'Contains characters that are not allowed here.'],
  [/^is not a known field$/, () => 'Not a setting the API knows.'],
];

export function readableFieldMessage(message: string): string {
  const text = message.trim();
  for (const [pattern, render] of RULES) {
    const match = text.match(pattern);
    if (match) return render(match);
  }
  // Anything else the API wrote for people already: give it a capital and a full stop.
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** All of a field's messages as one line. */
export function readableFieldMessages(messages: string[]): string {
  return [...new Set(messages.map(readableFieldMessage))].join(' ');
}
