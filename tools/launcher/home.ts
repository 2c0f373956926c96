import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LauncherError, LauncherErrorCode } from './launcher.errors';
import { commandLine, isAlive } from './process';

/** Creates the state folder, private to this user (0700), if it does not exist yet. */
export function prepareHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to pass through the home
 * folder: let others traverse it (0711) without listing it.
 */
export function letOthersTraverse(dir: string): void {
  chmodSync(dir, 0o711);
}

/** A pid file's pid, or null when there is none (or it holds no number). */
export function readPidFile(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function writePidFile(file: string, pid: number): void {
  writeFileSync(file, `${pid}\n`, { mode: 0o600 });
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}

/** The pid in `file` if that process is still running and its command line contains `marker`. */
export function livePidFrom(file: string, marker: string): number | null {
  const pid = readPidFile(file);
  if (pid === null || pid === process.pid || !isAlive(pid)) return null;
  return commandLine(pid)?.includes(marker) ? pid : null;
}

const LOCK_FILE = 'launcher.pid';

/**
 * One launcher per home folder: a second one would fight over the embedded Postgres and NATS.
 * A lock left by a launcher that died is taken over. Returns the release function.
 */
export function lockHome(home: string): () => void {
  const file = join(home, LOCK_FILE);
  const holder = livePidFrom(file, 'launcher');
  if (holder !== null) {
    throw new LauncherError(
      LauncherErrorCode.HomeLocked,
      `another launcher (pid ${holder}) is running with ${home} — stop it first, or give this one its own VOXBRIDGE_HOME`,
    );
  }
  writePidFile(file, process.pid);
  return () => {
    if (readPidFile(file) === process.pid) removeFile(file);
  };
}

/** A path as the user would type it: relative to the current folder when inside it. */
export function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
