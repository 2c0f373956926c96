import {
  SERVICE_NAMES,
  type FleetHealthReply,
  type FleetHealthReport,
  type FleetServiceHealth,
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

/** Folds the replies of every replica into one entry per service; a silent service is `unreachable`. */
export function fleetReport(namespace: string, replies: FleetHealthReply[], checkedAt: Date): FleetHealthReport {
  const services = SERVICE_NAMES.map((name) => serviceHealth(name, replies));
  return {
    status: services.every((s) => s.status === 'healthy') ? 'healthy' : 'degraded',
    namespace,
    checked_at: checkedAt.toISOString(),
    services,
  };
}

/** True once every service of the fleet has at least one replica in `replies`. */
export function everyServiceAnswered(replies: FleetHealthReply[]): boolean {
  const seen = new Set(replies.map((r) => r.service));
  return SERVICE_NAMES.every((name) => seen.has(name));
}
