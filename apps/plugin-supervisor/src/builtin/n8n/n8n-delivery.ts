import { createHmac } from 'node:crypto';

/** One message as posted to the webhook. */
export interface N8nEvent {
  event: 'session_start' | 'user_message' | 'agent_response' | 'session_end';
  session_id: string;
  agent_id: string;
  agent_name: string;
  turn_id?: string;
  role?: 'user' | 'assistant';
  speaker?: string;
  text?: string;
  interrupted?: boolean;
  /** When it happened (ISO 8601): the message's or the session's time. */
  occurred_at: string;
  /** When this post was first attempted (ISO 8601). */
  sent_at?: string;
}

export interface N8nDeliveryOptions {
  url: string;
  secret: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  queueMax: number;
  /** POST seam (global fetch in the plugin). */
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number>;
  sleep(ms: number): Promise<void>;
  onGiveUp(status: number | string): void;
}

export interface N8nCounters {
  queued: number;
  delivered: number;
  retried: number;
  failed: number;
  dropped: number;
}

/** Header with `sha256=<hex HMAC-SHA256 of the raw body>` when a secret is set. */
export const SIGNATURE_HEADER = 'x-voxbridge-signature';

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Statuses worth another try: the webhook may answer later. Other 4xx are the request's fault. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Posts events to the webhook one at a time, in order, retrying a failure with exponential
 * backoff; the queue is bounded (events beyond it are dropped and counted, memory never grows).
 */
export class N8nDelivery {
  private readonly queue: N8nEvent[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  readonly counters: N8nCounters = { queued: 0, delivered: 0, retried: 0, failed: 0, dropped: 0 };

  constructor(private readonly options: N8nDeliveryOptions) {}

  enqueue(event: N8nEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.options.queueMax) {
      this.counters.dropped += 1;
      return;
    }
    this.queue.push(event);
    this.counters.queued = this.queue.length;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when nothing is waiting or being sent. */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Waits up to `waitMs` for the queue to empty, then stops sending. */
  async close(waitMs: number): Promise<void> {
    const running = this.running;
    if (running) await Promise.race([running, this.options.sleep(waitMs)]);
    this.closed = true;
  }

  private async drain(): Promise<void> {
    for (let event = this.queue.shift(); event && !this.closed; event = this.queue.shift()) {
      this.counters.queued = this.queue.length;
      await this.deliver({ ...event, sent_at: new Date().toISOString() });
    }
  }

  private async deliver(event: N8nEvent): Promise<void> {
    const { options } = this;
    const body = JSON.stringify(event);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-voxbridge-event': event.event,
      'x-voxbridge-delivery': `${event.session_id}:${event.turn_id ?? ''}:${event.event}`,
      ...(options.secret ? { [SIGNATURE_HEADER]: signatureOf(options.secret, body) } : {}),
    };
    let last: number | string = 'not sent';
    for (let attempt = 0; attempt <= options.maxRetries && !this.closed; attempt++) {
      if (attempt > 0) {
        this.counters.retried += 1;
        await options.sleep(Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (attempt - 1)));
      }
      try {
        last = await options.post(options.url, body, headers, options.timeoutMs);
      } catch (error) {
        last = error instanceof Error ? error.name : 'error';
        continue;
      }
      if (last >= 200 && last < 300) {
        this.counters.delivered += 1;
        return;
      }
      if (!retryable(last)) break;
    }
    this.counters.failed += 1;
    options.onGiveUp(last);
  }
}
