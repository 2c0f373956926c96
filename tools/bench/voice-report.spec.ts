import { SCRIPT, type ResponseResult, type SessionResult, type WorkerReport } from './voice-protocol';
import { cpuBudget, GENERATOR, LAUNCHER, resourceTable, resultsTable, runFigures, type RunInputs } from './voice-report';

const response = (utterance: number, overrides: Partial<ResponseResult> = {}): ResponseResult => ({
  utterance,
  speechDetectedMs: 190,
  captureClockAheadMs: 0,
  turnId: `00000000-0000-4000-8000-00000000000${utterance}`,
  outcome: utterance === 1 ? 'interrupted' : 'done',
  latencyMs: 1_400,
  speechEndAtMs: 10_000,
  firstFrameAtMs: 11_400,
  framesReceived: 100,
  lateFrames: 0,
  stalls: 0,
  stalledMs: 0,
  lostFrames: 0,
  ...overrides,
});

const session = (index: number, overrides: Partial<SessionResult> = {}): SessionResult => ({
  index,
  sessionId: `session-${index}`,
  error: null,
  responses: [response(0), response(1), response(2)],
  bargeInMs: 40,
  bargeInMissed: false,
  unexpectedFrames: 0,
  durationMs: 30_000,
  ...overrides,
});

const report = (sessions: SessionResult[], lagP99Ms = 2): WorkerReport => ({
  type: 'report',
  workerIndex: 0,
  sessions,
  lag: { p50Ms: 1, p99Ms: lagP99Ms, maxMs: 5 },
  mic: { framesSent: 1_000, framesOffSchedule: 0, offsetP99Ms: 1, offsetMaxMs: 3 },
});

const inputs = (reports: WorkerReport[], userTurns: Record<string, number>): RunInputs => ({
  sessions: 2,
  reports,
  stored: { userTurns: new Map(Object.entries(userTurns)), overheadsMs: [10, 20, 30], assistant: [] },
  usage: new Map([['webrtc-gateway', { cpuMs: 600, peakRssMb: 120 }]]),
  disturbances: [],
  serviceLines: [],
  machine: { cores: 2, windowMs: 40_000, busyPercent: 50, otherPercent: 1 },
});

describe(runFigures.name, () => {
  it('meets every target for two clean conversations stored as scripted', () => {
    const sut = runFigures(inputs([report([session(0), session(1)])], { 'session-0': 3, 'session-1': 3 }));
    expect(sut.validity.valid).toBe(true);
    expect(sut).toMatchObject({ lostFrames: 0, spuriousTurns: 0, missingTurns: 0, cleanSessions: 2, sessionMinutes: 1 });
    expect(sut.resources['webrtc-gateway']).toEqual({ cpuMs: 600, peakRssMb: 120, cpuMsPerSessionMinute: 600 });
    expect(Object.values(sut.verdicts).every((v) => v === true)).toBe(true);
  });

  it('counts lost frames only in conversations that ran to their end', () => {
    const broken = session(1, {
      responses: [response(0, { lostFrames: 50 }), response(1), response(2, { outcome: 'timeout', lostFrames: null })],
    });
    const sut = runFigures(inputs([report([session(0, { responses: [response(0, { lostFrames: 2 }), response(1), response(2)] }), broken])], { 'session-0': 3, 'session-1': 3 }));
    expect(sut.lostFrames).toBe(2);
    expect(sut.cleanSessions).toBe(1);
    expect(sut.answersTimedOut).toBe(1);
  });

  it('counts an answer never heard as the whole wait, and leaves out the answers after it', () => {
    const broken = session(1, {
      responses: [response(0, { outcome: 'timeout', latencyMs: null, firstFrameAtMs: null }), response(1, { latencyMs: 99 }), response(2, { latencyMs: 99 })],
    });
    const sut = runFigures(inputs([report([session(0), broken])], { 'session-0': 3, 'session-1': 3 }));
    expect(sut.turnLatencyMs).toMatchObject({ count: 4, max: SCRIPT.turnTimeoutMs });
    expect(sut.answersNeverHeard).toBe(1);
  });

  it('tells spurious from missing stored turns per conversation', () => {
    const sut = runFigures(inputs([report([session(0), session(1)])], { 'session-0': 4, 'session-1': 1 }));
    expect(sut).toMatchObject({ spuriousTurns: 1, missingTurns: 2, storedUserTurns: 5 });
    expect(sut.verdicts.turns).toBe(false);
  });
});

describe(cpuBudget.name, () => {
  it('sums what a session-minute costs the services, NATS and Postgres — not the fake providers or the generator — and says how many sessions the cores carry', () => {
    const run = runFigures({
      ...inputs([report([session(0), session(1)])], { 'session-0': 3, 'session-1': 3 }),
      usage: new Map([
        ['webrtc-gateway', { cpuMs: 1_000, peakRssMb: 120 }],
        ['nats-server (shared)', { cpuMs: 500, peakRssMb: 20 }],
        ['postgres (embedded)', { cpuMs: 500, peakRssMb: 170 }],
        [LAUNCHER, { cpuMs: 9_000, peakRssMb: 100 }],
        [GENERATOR, { cpuMs: 9_000, peakRssMb: 120 }],
      ]),
    });

    // One session-minute in this run: 2,000 CPU-ms of fleet; two cores give 120,000 CPU-ms a minute.
    expect(cpuBudget(run)).toEqual({ fleetCpuMsPerSessionMinute: 2_000, sessionsAtFullCpu: 60 });
    expect(resourceTable([run]).join('\n')).toMatch(/sessions the cores carry at that cost, 100 % busy +\| 60 +\|/);
  });
});

describe(resultsTable.name, () => {
  it('shows no fleet figures for a run whose generator lagged', () => {
    const sut = resultsTable([runFigures(inputs([report([session(0), session(1)], 35)], { 'session-0': 3, 'session-1': 3 }))]);
    const row = sut[2] ?? '';
    expect(row).toContain('NO');
    expect(row).toContain('not reported: the load generator lagged');
    expect(row).not.toContain('1400');
  });
});
