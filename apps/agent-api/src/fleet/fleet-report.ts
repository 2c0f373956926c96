import {
  PROVIDER_STAGES,
  SERVICE_NAMES,
  type FleetHealthReply,
  type FleetHealthReport,
  type FleetServiceHealth,
  type ProviderState,
  type ServiceName,
} from '@voxbridge/contracts';

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function serviceHealth(name: ServiceName, replies: FleetHealthReply[]): FleetServiceHealth {
  const byInstance = new Map(replies.filter((r) => r.service === name).map((r) => [r.instance_id, r]));
  const instances = [...byInstance.values()].sort((a, b) => b.uptime_ms - a.uptime_ms);
  const first = instances[0];
  if (!first) {
    return { name, status: 'unreachable', version: null, uptime_ms: null, replicas: 0, instances: [] };
  }
  return {
    name,
    status: instances.every((i) => i.status === 'healthy') ? 'healthy' : 'degraded',
    version: instances.map((i) => i.version).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b)),
    uptime_ms: first.uptime_ms,
    replicas: instances.length,
    instances,
  };
}

/**
 * The pipeline's providers from every replica's answer: one entry per stage and provider, the most
 * recently checked one when replicas differ; in stage order.
 */
export function fleetProviders(replies: FleetHealthReply[]): ProviderState[] {
  const byKey = new Map<string, ProviderState>();
  for (const provider of replies.flatMap((r) => r.providers ?? [])) {
    const key = `${provider.stage}|${provider.resolved}|${provider.target}`;
    const known = byKey.get(key);
    if (!known || (provider.checked_at ?? '') > (known.checked_at ?? '')) byKey.set(key, provider);
  }
  const rank = (p: ProviderState) => PROVIDER_STAGES.indexOf(p.stage);
  return [...byKey.values()].sort((a, b) => rank(a) - rank(b));
}

/** Stages whose every provider was checked and did not answer (not yet checked is not counted). */
export function stagesWithoutProvider(providers: ProviderState[]): string[] {
  return PROVIDER_STAGES.filter((stage) => {
    const ofStage = providers.filter((p) => p.stage === stage);
    return ofStage.length > 0 && ofStage.every((p) => p.reachable === false);
  });
}

/**
 * Folds the replies of every replica into one entry per service; a silent service is `unreachable`.
 * The fleet is healthy only when every service is and every stage has a provider that answers.
 */
export function fleetReport(namespace: string, replies: FleetHealthReply[], checkedAt: Date): FleetHealthReport {
  const services = SERVICE_NAMES.map((name) => serviceHealth(name, replies));
  const providers = fleetProviders(replies);
  const healthy = services.every((s) => s.status === 'healthy') && stagesWithoutProvider(providers).length === 0;
  return {
    status: healthy ? 'healthy' : 'degraded',
    namespace,
    checked_at: checkedAt.toISOString(),
    services,
    providers,
    fake_providers: providers.some((p) => p.fake === true),
  };
}

/** True once every service of the fleet has at least one replica in `replies`. */
export function everyServiceAnswered(replies: FleetHealthReply[]): boolean {
  const seen = new Set(replies.map((r) => r.service));
  return SERVICE_NAMES.every((name) => seen.has(name));
}
