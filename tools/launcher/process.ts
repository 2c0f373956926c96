import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** True while a process with this pid exists (also when it belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process, or null when it is gone (or cannot be read). */
export function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || process.platform === 'linux') return null;
  }
  try {
    // No /proc (macOS): ask ps.
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null; // ps exits 1 when the pid is gone
  }
}

/** Sends a signal to a process, or with `group` to its whole process group; false if it was gone. */
export function signal(pid: number, name: NodeJS.Signals, group = false): boolean {
  try {
    process.kill(group ? -pid : pid, name);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once the child has exited, false if it is still running after timeoutMs. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Waits for a process we did not spawn (e.g. one left by an earlier launcher) to be gone. */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

export interface StopSteps {
  /** Signals to send in turn, each followed by a wait of its timeoutMs; the last one is usually SIGKILL. */
  steps: Array<{ signal: NodeJS.Signals; timeoutMs: number }>;
}

/**
 * Stops a child spawned with `detached: true` (its own process group): each signal goes to the
 * child, the next one only if it did not exit in time; whatever it left in its group is killed.
 */
export async function stopChild(child: ChildProcess, { steps }: StopSteps): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  for (const step of steps) {
    if (hasExited(child)) break;
    signal(pid, step.signal);
    if (await waitForExit(child, step.timeoutMs)) break;
  }
  signal(pid, 'SIGKILL', true);
}

/**
 * Process groups of the children still running. If the launcher exits without stopping them (a
 * bug, an uncaught error), the `exit` hook kills them so nothing is left behind.
 */
const liveGroups = new Set<number>();

export function trackGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  liveGroups.add(pid);
  child.once('exit', () => {
    liveGroups.delete(pid);
    // Anything the child started itself dies with it.
    signal(pid, 'SIGKILL', true);
  });
}

export function killAllTrackedGroups(): void {
  for (const pid of liveGroups) signal(pid, 'SIGKILL', true);
  liveGroups.clear();
}
