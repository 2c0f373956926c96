import { Bus } from '@voxbridge/bus';
import { FleetHealthReply, FleetSubjects, PROVIDER_STAGES, type ProviderState } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';

/** One banner line per provider: `llm: ollama at http://127.0.0.1:11434/v1 — not reachable (ECONNREFUSED)`. */
export function providerLines(providers: readonly ProviderState[]): string[] {
  const rank = (p: ProviderState) => PROVIDER_STAGES.indexOf(p.stage);
  return [...providers]
    .sort((a, b) => rank(a) - rank(b))
    .map((p) => {
      const where = p.target === 'local' ? `${p.detail && p.reachable !== false ? p.detail : p.resolved} (local)` : `${p.resolved} at ${p.target}`;
      const state =
        p.reachable === true ? 'ok' : p.reachable === false ? `not reachable${p.detail ? ` (${p.detail})` : ''}` : 'not checked yet';
      return `${p.stage}: ${where} — ${state}${p.fake ? ' (fake)' : ''}`;
    });
}

/** Stages the census did not describe (their worker did not answer in time). */
export function missingStages(providers: readonly ProviderState[]): string[] {
  return PROVIDER_STAGES.filter((stage) => !providers.some((p) => p.stage === stage));
}

/**
 * Asks the fleet census (`fleet.v1.health.ping`) for the workers' providers, as agent-api's
 * `/api/fleet/health` does; one entry per stage and provider.
 */
export async function askProviders(options: { natsUrl: string; namespace: string; user?: string; pass?: string; waitMs?: number }): Promise<ProviderState[]> {
  const bus = await Bus.connect({
    servers: options.natsUrl.split(','),
    namespace: options.namespace,
    name: 'launcher',
    logger: { warn: () => undefined, error: () => undefined },
    ...(options.user !== undefined ? { user: options.user, pass: options.pass ?? '' } : {}),
  });
  try {
    const replies = await bus.gather(FleetSubjects.healthPing, { request_id: randomUUID() }, FleetHealthReply, {
      maxWaitMs: options.waitMs ?? 1_500,
      graceMs: 200,
      until: (got) => PROVIDER_STAGES.every((stage) => got.some((r) => r.providers?.some((p) => p.stage === stage))),
    });
    const byKey = new Map<string, ProviderState>();
    for (const p of replies.flatMap((r) => r.providers ?? [])) {
      const key = `${p.stage}|${p.resolved}|${p.target}`;
      const known = byKey.get(key);
      if (!known || (p.checked_at ?? '') > (known.checked_at ?? '')) byKey.set(key, p);
    }
    return [...byKey.values()];
  } finally {
    await bus.drain();
  }
}
