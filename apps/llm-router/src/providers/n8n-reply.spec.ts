import { detectN8nReply, extractN8nSseText, extractN8nText } from './n8n-reply';
import { n8nBody } from './n8n-webhook.provider';

describe(detectN8nReply.name, () => {
  it.each([
    ['text/event-stream', 'sse'],
    ['text/event-stream; charset=utf-8', 'sse'],
    ['Text/Plain; charset=utf-8', 'text'],
    ['application/json; charset=utf-8', 'json'],
    ['', 'json'],
  ])('reads %p as %p', (contentType, kind) => {
    expect(detectN8nReply(contentType)).toBe(kind);
  });
});

describe(extractN8nText.name, () => {
  it.each([
    ['{"response":"r","output":"o"}', 'r'],
    ['{"output":"o","text":"t"}', 'o'],
    ['{"text":"t"}', 't'],
    ['{"output":{"content":"legacy"},"options":{}}', 'legacy'],
    ['[{"output":"first"},{"output":"second"}]', 'first'],
    ['["just a string"]', 'just a string'],
    ['"a JSON string"', 'a JSON string'],
    ['plain words, not JSON', 'plain words, not JSON'],
  ])('finds the answer in %s', (body, text) => {
    expect(extractN8nText(body)).toBe(text);
  });

  it('finds nothing in an object without a text field or an empty body, rather than speaking JSON', () => {
    expect(extractN8nText('{"status":"ok"}')).toBeUndefined();
    expect(extractN8nText('[]')).toBeUndefined();
    expect(extractN8nText('  ')).toBeUndefined();
  });
});

describe(extractN8nSseText.name, () => {
  it('passes plain text through and opens JSON objects', () => {
    expect(extractN8nSseText(' Hello')).toBe(' Hello');
    expect(extractN8nSseText('{"text":" world"}')).toBe(' world');
    expect(extractN8nSseText('{broken')).toBe('{broken');
  });
});

describe(n8nBody.name, () => {
  it('builds the body the original sent: last user text, history without it, agent config', () => {
    const body = n8nBody({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello—' },
        { role: 'user', content: 'What time is it?' },
      ],
      model: 'llama3.2',
      temperature: 0.4,
      sessionId: 's-1',
      caller: { userId: 'u-1', userName: 'Ada', agentName: 'Auren' },
      signal: new AbortController().signal,
    });
    expect(body).toEqual({
      sessionId: 's-1',
      userId: 'u-1',
      username: 'Ada',
      text: 'What time is it?',
      conversationHistory: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello—' },
      ],
      agentConfig: { name: 'Auren', systemPrompt: 'Be brief.', temperature: 0.4, model: 'llama3.2' },
    });
  });
});
