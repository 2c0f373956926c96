import { describe, expect, it } from 'vitest';
import { filenameOf } from './api-client';

describe('filenameOf', () => {
  it('reads the attachment name of a Content-Disposition header', () => {
    expect(filenameOf('attachment; filename="conversation-0b7e.json"')).toBe('conversation-0b7e.json');
    expect(filenameOf('attachment; filename=conversation-0b7e.txt')).toBe('conversation-0b7e.txt');
    expect(filenameOf(`attachment; filename="x.txt"; filename*=UTF-8''caf%C3%A9.txt`)).toBe('café.txt');
  });

  it('has no name without one', () => {
    expect([filenameOf(null), filenameOf('attachment'), filenameOf('attachment; filename=""')]).toEqual([null, null, null]);
  });
});
