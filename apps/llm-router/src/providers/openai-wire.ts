import { LlmUsage } from './llm-provider';

/** What one SSE `data:` payload of an OpenAI-style chat completion stream means. */
export type ChatCompletionEvent =
  | { kind: 'done' }
  | { kind: 'chunk'; text: string; finishReason: string | null; usage?: LlmUsage }
  /** An error reported inside a 200 stream (OpenRouter does this mid-stream). */
  | { kind: 'error'; status: number | undefined; message: string }
  | { kind: 'invalid'; message: string };

export function decodeChatCompletionEvent(data: string): ChatCompletionEvent {
  if (data.trim() === '[DONE]') return { kind: 'done' };
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch (error) {
    return { kind: 'invalid', message: `data is not JSON (${(error as Error).message})` };
  }
  if (!isRecord(payload)) return { kind: 'invalid', message: 'data is not a JSON object' };
  if (isRecord(payload['error'])) return { kind: 'error', ...describeError(payload['error']) };
  const choice = Array.isArray(payload['choices']) ? payload['choices'][0] : undefined;
  const delta = isRecord(choice) && isRecord(choice['delta']) ? choice['delta'] : undefined;
  // Servers that ignore `stream` may still send whole `message` objects.
  const message = isRecord(choice) && isRecord(choice['message']) ? choice['message'] : undefined;
  const content = delta?.['content'] ?? message?.['content'];
  const finish = isRecord(choice) ? choice['finish_reason'] : undefined;
  const event: ChatCompletionEvent = {
    kind: 'chunk',
    text: typeof content === 'string' ? content : '',
    finishReason: typeof finish === 'string' ? finish : null,
  };
  const usage = decodeUsage(payload['usage']);
  if (usage) event.usage = usage;
  return event;
}

/** `{error: {code?, message?}}` bodies of OpenAI, OpenRouter, vLLM; Ollama uses `{error: "..."}`. */
export function describeErrorBody(body: string): string {
  try {
    const payload: unknown = JSON.parse(body);
    if (isRecord(payload)) {
      const error = payload['error'];
      if (typeof error === 'string') return truncate(error);
      if (isRecord(error)) return describeError(error).message;
      if (typeof payload['message'] === 'string') return truncate(payload['message']);
    }
  } catch {
    // Not JSON: fall through to the raw text.
    return truncate(body.trim());
  }
  return truncate(body.trim());
}

function describeError(error: Record<string, unknown>): { status: number | undefined; message: string } {
  const code = error['code'];
  const message = typeof error['message'] === 'string' ? error['message'] : 'provider reported an error';
  return { status: typeof code === 'number' ? code : undefined, message: truncate(message) };
}

function decodeUsage(value: unknown): LlmUsage | undefined {
  if (!isRecord(value)) return undefined;
  const prompt = value['prompt_tokens'];
  const completion = value['completion_tokens'];
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  const total = value['total_tokens'];
  return { promptTokens: prompt, completionTokens: completion, totalTokens: typeof total === 'number' ? total : prompt + completion };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
