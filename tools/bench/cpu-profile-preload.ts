/**
 * `bench:voice --cpu-prof`: loaded into the launcher and every service with
 * `NODE_OPTIONS=--require …/cpu-profile-preload.js`, because Node 20 refuses `--cpu-prof` in
 * NODE_OPTIONS. The bench sends SIGUSR2 when its sessions start (the profiler starts) and again
 * when they end (it stops and writes `$VOXBRIDGE_BENCH_CPU_PROF_DIR/<pid>.cpuprofile`), so the
 * profile holds the load and not the boot. A process exiting while profiling writes its profile then.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env['VOXBRIDGE_BENCH_CPU_PROF_DIR'];
if (dir) {
  const session = new Session();
  session.connect();
  let profiling = false;
  // The in-process inspector answers synchronously, so this completes even inside an exit handler.
  const stop = () => {
    if (!profiling) return;
    profiling = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) process.stderr.write(`cpu profile of pid ${process.pid} failed: ${error.message}\n`);
      else writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('SIGUSR2', () => {
    if (profiling) return stop();
    profiling = true;
    session.post('Profiler.enable');
    session.post('Profiler.start');
  });
  process.on('exit', stop);
}
