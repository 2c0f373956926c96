import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';
import { definePlugin, type PluginMessage, type PluginSessionInfo } from '@voxbridge/plugin-sdk';
import { N8nDelivery, type N8nEvent } from './n8n-delivery';

/** The agent's `plugins.n8n`: `webhook_url` and `secret` are stored encrypted. */
export class N8nPluginConfig {
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }) webhook_url!: string;
  /** HMAC-SHA256 key: each post is signed in `X-VoxBridge-Signature: sha256=<hex>`. */
  @IsOptional() @IsString() @MaxLength(4096) secret?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(120_000) timeout_ms?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(20) max_retries?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) @Max(60_000) retry_base_ms?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000) queue_max?: number;
}

const FLUSH_ON_STOP_MS = 3_000;

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return response.status;
}

/**
 * Posts each user message and agent response of the agent's sessions (and session start / end)
 * to an n8n webhook. Distinct from n8n as the agent's LLM provider: this one only listens.
 */
export default definePlugin({
  type: 'n8n',
  configSchema: N8nPluginConfig,
  secretFields: ['webhook_url', 'secret'],
  create(config, context) {
    const delivery = new N8nDelivery({
      url: config.webhook_url,
      secret: config.secret,
      timeoutMs: config.timeout_ms ?? 10_000,
      maxRetries: config.max_retries ?? 5,
      retryBaseMs: config.retry_base_ms ?? 500,
      retryMaxMs: 30_000,
      queueMax: config.queue_max ?? 1_000,
      post,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      onGiveUp: (status) => context.logger.warn('n8n webhook gave up on a message', { status: String(status) }),
    });
    const report = () => {
      const { failed, dropped } = delivery.counters;
      context.reportHealth({ state: failed + dropped > 0 ? 'degraded' : 'ok', ...(failed + dropped > 0 ? { detail: 'some messages were not delivered' } : {}), counters: { ...delivery.counters } });
    };
    const base = (sessionId: string) => ({ session_id: sessionId, agent_id: context.agentId, agent_name: context.agentName });
    const message = (event: N8nEvent['event'], m: PluginMessage): N8nEvent => ({
      event,
      ...base(m.sessionId),
      turn_id: m.turnId,
      role: m.role,
      speaker: m.speaker ?? (m.role === 'assistant' ? context.agentName : 'user'),
      text: m.text,
      ...(m.interrupted ? { interrupted: true } : {}),
      occurred_at: m.at,
    });
    const session = (event: N8nEvent['event'], s: PluginSessionInfo): N8nEvent => ({ event, ...base(s.sessionId), occurred_at: s.at });
    let timer: NodeJS.Timeout | undefined;
    return {
      start() {
        report();
        timer = setInterval(report, 5_000);
      },
      async stop() {
        clearInterval(timer);
        await delivery.close(FLUSH_ON_STOP_MS);
      },
      onUserMessage(m) {
        delivery.enqueue(message('user_message', m));
      },
      onAgentResponse(m) {
        delivery.enqueue(message('agent_response', m));
      },
      onSessionStart(s) {
        delivery.enqueue(session('session_start', s));
      },
      onSessionEnd(s) {
        delivery.enqueue(session('session_end', s));
      },
    };
  },
});
