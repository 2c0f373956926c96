import { readFile } from 'node:fs/promises';

/** Linux clock ticks per second for /proc CPU times (USER_HZ: 100 on every mainstream kernel). */
const CLOCK_TICKS_PER_S = 100;

export interface ProcessTimes {
  /** User + system CPU time consumed so far. */
  cpuMs: number;
  rssBytes: number;
}

/**
 * One process's CPU time and resident memory, from the kernel (/proc/<pid>/stat and status), or
 * undefined when the process is gone. Field 2 of stat (the command) may hold spaces and parentheses:
 * fields are counted from the last `)`.
 */
export async function readProcessTimes(pid: number): Promise<ProcessTimes | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(3) … utime(14) stime(15) → indexes 11 and 12 of `rest`.
    const ticks = Number(rest[11]) + Number(rest[12]);
    const rss = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    if (!Number.isFinite(ticks)) return undefined;
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw error;
  }
}

/** CPU % of one core between two readings `elapsedMs` apart. */
export function cpuPercent(before: ProcessTimes, after: ProcessTimes, elapsedMs: number): number {
  if (elapsedMs <= 0) return 0;
  return Math.max(0, Math.round(((after.cpuMs - before.cpuMs) / elapsedMs) * 1000) / 10);
}
