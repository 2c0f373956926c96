/**
 * A load-generator worker thread of `bench:voice`: runs its share of the simulated browsers on
 * its own event loop, and reports their results together with how well it kept time (event-loop
 * delay, microphone frames sent off schedule), so a lagging generator cannot pass for a slow fleet.
 */
import { Bus } from '@voxbridge/bus';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { PacedMic } from './paced-mic';
import { SimulatedBrowser } from './simulated-browser';
import { summarize } from './stats';
import type { WorkerInput, WorkerReport } from './voice-protocol';

const NS_PER_MS = 1e6;
/** monitorEventLoopDelay records the interval between its timer's runs: this much plus the delay. */
const LAG_RESOLUTION_MS = 5;
const lagMs = (ns: number) => Math.max(0, ns / NS_PER_MS - LAG_RESOLUTION_MS);

async function run(input: WorkerInput): Promise<WorkerReport> {
  const tap = input.tap ? await Bus.connect({ servers: input.tap.natsUrl.split(','), namespace: input.tap.namespace, name: `bench-voice-tap-${input.workerIndex}` }) : null;
  const mic = new PacedMic();
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  try {
    const sessions = await Promise.all(
      input.sessions.map(async ({ index, startAtEpochMs }) => {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAtEpochMs - Date.now())));
        const browser = new SimulatedBrowser({ index, apiUrl: input.apiUrl, adminKey: input.adminKey, agentId: input.agentId, mic, tap });
        return browser.run();
      }),
    );
    lag.disable();
    const { framesSent, framesOffSchedule, offsetsMs } = mic.stats();
    const offsets = summarize(offsetsMs);
    return {
      type: 'report',
      workerIndex: input.workerIndex,
      sessions,
      lag: { p50Ms: lagMs(lag.percentile(50)), p99Ms: lagMs(lag.percentile(99)), maxMs: lagMs(lag.max) },
      mic: { framesSent, framesOffSchedule, offsetP99Ms: offsets.p99, offsetMaxMs: offsets.max },
    };
  } finally {
    lag.disable();
    await tap?.drain();
  }
}

if (!parentPort) throw new Error('voice-worker.js runs as a worker thread of bench:voice');
const port = parentPort;
run(workerData as WorkerInput).then(
  (report) => port.postMessage(report),
  (error: unknown) => {
    throw error instanceof Error ? error : new Error(String(error));
  },
);
