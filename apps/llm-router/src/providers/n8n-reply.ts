import { isRecord } from './openai-wire';

/** How an n8n webhook answered, told by its Content-Type (as the original streaming client did). */
export type N8nReplyKind = 'sse' | 'text' | 'json';

export function detectN8nReply(contentType: string): N8nReplyKind {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (mediaType === 'text/event-stream') return 'sse';
  if (mediaType === 'text/plain') return 'text';
  // application/json, or anything unlabelled: read it whole; non-JSON bodies become plain text.
  return 'json';
}

/**
 * The answer text inside a whole (non-streamed) n8n reply, in the original's order: object →
 * `response` | `output` | `text` (legacy `output.content` too); array → its first element; bare
 * string. Returns undefined when no text field exists: we do not speak stringified JSON.
 */
export function extractN8nText(body: string): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    // Not JSON: a bare-text reply is the answer itself.
    return body.trim() === '' ? undefined : body;
  }
  return textOf(Array.isArray(payload) ? payload[0] : payload);
}

/** A `data:` payload of an n8n SSE reply: plain text, or a JSON object holding the text. */
export function extractN8nSseText(data: string): string {
  if (!data.trimStart().startsWith('{')) return data;
  try {
    return textOf(JSON.parse(data)) ?? '';
  } catch {
    // Looked like JSON but is not: the text itself.
    return data;
  }
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return undefined;
  for (const field of ['response', 'output', 'text', 'content']) {
    const candidate = value[field];
    if (typeof candidate === 'string') return candidate;
    if (field === 'output' && isRecord(candidate) && typeof candidate['content'] === 'string') return candidate['content'];
  }
  return undefined;
}
