import { describe, expect, it } from 'vitest';
import { readableFieldMessage, readableFieldMessages } from './field-errors';

describe('readableFieldMessage', () => {
  it.each([
    ['must not be greater than 2', 'At most 2.'],
    ['must not be less than 100', 'At least 100.'],
    ['must be longer than or equal to 1 characters', 'Required.'],
    ['must be shorter than or equal to 100 characters', 'At most 100 characters.'],
    ['must be a URL address', 'Enter a full http(s) URL, e.g. http://127.0.0.1:11434/v1.'],
    ['must be one of the following values: auto, openrouter, openai_compatible, n8n', 'Choose one of: auto, openrouter, openai_compatible, n8n.'],
    ['must be one of: auto, whisperx, openai_compatible, local', 'Choose one of: auto, whisperx, openai_compatible, local.'],
    ['must be an integer number', 'Enter a whole number.'],
    ['is not a known field', 'Not a setting the API knows.'],
    ['needs llm_base_url', 'Needs llm_base_url.'],
    ['Unknown provider "google". Choose one of: auto, whisperx.', 'Unknown provider "google". Choose one of: auto, whisperx.'],
  ])('%s → %s', (raw, readable) => {
    expect(readableFieldMessage(raw)).toBe(readable);
  });

  it('joins a field’s messages without repeating one', () => {
    expect(readableFieldMessages(['should not be empty', 'must be longer than or equal to 1 characters', 'must be a string'])).toBe('Required. Enter text.');
  });
});
