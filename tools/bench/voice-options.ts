/** `npm run bench:voice` arguments. */
export interface VoiceBenchOptions {
  /** Session counts to run, one fleet each, in order. */
  sessionCounts: number[];
  /** Ask every service (and the launcher, which hosts the fake providers) for a CPU profile. */
  cpuProfile: boolean;
  /** Watch the sessions' `turn` events on the bus for `frames_played` (lost-frame counting). */
  busTap: boolean;
  sessionsPerWorker: number;
}

export const DEFAULT_SESSIONS = 20;
export const DEFAULT_SESSIONS_PER_WORKER = 25;
const MAX_SESSIONS = 1_000;

export const VOICE_BENCH_USAGE = `Usage: npm run bench:voice [-- [--sessions N | --sweep N1,N2,...] [--cpu-prof] [--no-bus-tap] [--sessions-per-worker N]]

  --sessions N             concurrent scripted conversations (default ${DEFAULT_SESSIONS})
  --sweep 10,50,100,150    run each count in turn, a fresh fleet each, and print one table
  --cpu-prof               services and launcher write CPU profiles; prints the top self-time functions
  --no-bus-tap             do not read frames_played from the sessions' turn events on the bus
                           (lost frames are then measured only if the socket relays frames_played)
  --sessions-per-worker N  sessions per load-generator worker thread (default ${DEFAULT_SESSIONS_PER_WORKER})`;

function count(raw: string | undefined, flag: string, max = MAX_SESSIONS): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new Error(`${flag} needs an integer from 1 to ${max} (got ${JSON.stringify(raw ?? null)})`);
  }
  return Number(raw);
}

/** Parses the arguments after the script; throws naming the bad one. */
export function parseVoiceBenchArgs(argv: readonly string[]): VoiceBenchOptions {
  let sessionCounts: number[] | undefined;
  let cpuProfile = false;
  let busTap = true;
  let sessionsPerWorker = DEFAULT_SESSIONS_PER_WORKER;
  for (let i = 0; i < argv.length; i++) {
    const [flag = '', inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--sessions':
        if (sessionCounts) throw new Error('give either --sessions or --sweep, once');
        sessionCounts = [count(value(), '--sessions')];
        break;
      case '--sweep': {
        if (sessionCounts) throw new Error('give either --sessions or --sweep, once');
        const list = value();
        sessionCounts = (list ?? '').split(',').map((part) => count(part.trim(), '--sweep'));
        break;
      }
      case '--cpu-prof':
        cpuProfile = true;
        break;
      case '--no-bus-tap':
        busTap = false;
        break;
      case '--sessions-per-worker':
        sessionsPerWorker = count(value(), '--sessions-per-worker', 200);
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(argv[i])}\n${VOICE_BENCH_USAGE}`);
    }
  }
  return { sessionCounts: sessionCounts ?? [DEFAULT_SESSIONS], cpuProfile, busTap, sessionsPerWorker };
}

/** Sessions split over ⌈n / perWorker⌉ workers as evenly as possible (sizes differ by at most one). */
export function splitAcrossWorkers(sessions: number, perWorker: number): number[] {
  const workers = Math.max(1, Math.ceil(sessions / perWorker));
  return Array.from({ length: workers }, (_, i) => Math.floor(sessions / workers) + (i < sessions % workers ? 1 : 0));
}
