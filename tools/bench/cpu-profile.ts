/**
 * Reading V8 CPU profiles (`.cpuprofile`, the JSON of the inspector's `Profiler.stop`): self time
 * per function, the way a flame chart's "bottom up" view ranks them.
 */
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  /** µs since the previous sample, one per sample. */
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  /** `name (file:line)`; anonymous functions and V8's own entries keep their V8 names. */
  function: string;
  selfMs: number;
  /** Share of the profile's busy time (everything but `(idle)`), in %. */
  busyPercent: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  top: SelfTime[];
}

/** Entries that are not the process working. */
const IDLE = new Set(['(idle)']);

function label(frame: ProfileNode['callFrame'], repoRoot: string): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url.replace(/^file:\/\//, '');
  const short = file.startsWith(`${repoRoot}/`) ? file.slice(repoRoot.length + 1) : file.includes('/node_modules/') ? `node_modules/${file.split('/node_modules/').pop() ?? ''}` : file;
  // lineNumber is 0-based in profiles.
  return `${name} (${short}:${frame.lineNumber + 1})`;
}

/**
 * The `limit` functions with the most self time. Each sample's time is the delta to the next one
 * (as DevTools counts it); profiles without timing fall back to hit counts × the mean interval.
 */
export function topSelfTime(profile: CpuProfile, limit = 10, repoRoot = ''): ProfileSummary {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i + 1] ?? 0)));
  } else {
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    const intervalUs = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * intervalUs);
  }
  const byFunction = new Map<string, number>();
  let totalUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byNode.get(id);
    if (!node) continue;
    totalUs += us;
    if (IDLE.has(node.callFrame.functionName)) continue;
    busyUs += us;
    const key = label(node.callFrame, repoRoot);
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const top = [...byFunction.entries()]
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ function: fn, selfMs: us / 1000, busyPercent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, top };
}

/** The pid in a profile file name written by the bench's preload (`<pid>.cpuprofile`). */
export function pidOfProfile(file: string): number | null {
  const match = /^(\d+)\.cpuprofile$/.exec(basename(file));
  return match ? Number(match[1]) : null;
}
