import { decodeChatCompletionEvent } from './openai-wire';
import { SseEvent, SseParser } from './sse-parser';

function parseInPieces(pieces: string[]): SseEvent[] {
  const sut = new SseParser();
  return [...pieces.flatMap((piece) => sut.push(piece)), ...sut.end()];
}

describe(SseParser.name, () => {
  const stream = ': OPENROUTER PROCESSING\n\ndata: {"a":1}\n\nevent: note\ndata: line one\ndata: line two\n\ndata: [DONE]\n\n';

  it('yields data events and skips comment keep-alives', () => {
    expect(parseInPieces([stream])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'note', data: 'line one\nline two' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  it('gives the same events however the text is split, down to single characters', () => {
    const whole = parseInPieces([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parseInPieces([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    }
    expect(parseInPieces([...stream])).toEqual(whole);
  });

  it('accepts CRLF and bare CR line endings, even with CR and LF in different pieces', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    expect(parseInPieces([crlf])).toEqual(parseInPieces([stream]));
    expect(parseInPieces([...crlf])).toEqual(parseInPieces([stream]));
    expect(parseInPieces(['data: x\r', '\r', 'data: y\r\r'])).toEqual([
      { event: 'message', data: 'x' },
      { event: 'message', data: 'y' },
    ]);
  });

  it('keeps a value without the optional space and the id field', () => {
    expect(parseInPieces(['id: 7\ndata:tight\n\n'])).toEqual([{ event: 'message', data: 'tight', id: '7' }]);
  });

  it('delivers a last event that the server did not close with a blank line', () => {
    expect(parseInPieces(['data: a\n\ndata: tail'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'tail' },
    ]);
  });

  it('ignores blank-line runs and comment-only events', () => {
    expect(parseInPieces(['\n\n: ping\n\n\n'])).toEqual([]);
  });
});

describe(decodeChatCompletionEvent.name, () => {
  it('recognises [DONE]', () => {
    expect(decodeChatCompletionEvent('[DONE]')).toEqual({ kind: 'done' });
  });

  it('reads the delta text, the finish reason and the usage', () => {
    expect(decodeChatCompletionEvent('{"choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}')).toEqual({
      kind: 'chunk',
      text: 'Hi',
      finishReason: null,
    });
    expect(
      decodeChatCompletionEvent('{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}'),
    ).toEqual({ kind: 'chunk', text: '', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } });
  });

  it('reports an error object sent inside the stream, and garbage as invalid', () => {
    expect(decodeChatCompletionEvent('{"error":{"code":502,"message":"upstream died"}}')).toEqual({
      kind: 'error',
      status: 502,
      message: 'upstream died',
    });
    expect(decodeChatCompletionEvent('{not json').kind).toBe('invalid');
  });
});
