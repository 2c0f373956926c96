import {
  cpuMsPerSessionMinute,
  generatorValidity,
  largestPassing,
  lateFrames,
  logLineSummary,
  lostFrames,
  overheadOf,
  playbackStalls,
  targetVerdicts,
  timelineMarks,
  timelineSpans,
  totalOf,
  turnCountErrors,
  type TargetFigures,
} from './voice-metrics';

/** Arrival times of `count` frames 20 ms apart from `startMs`. */
const onSchedule = (count: number, startMs = 1_000) => Array.from({ length: count }, (_, i) => startMs + i * 20);

describe(lateFrames.name, () => {
  it('counts none for frames on a real-time schedule, or ahead of it (the lead burst)', () => {
    expect(lateFrames(onSchedule(50))).toBe(0);
    expect(lateFrames([1_000, 1_001, 1_002, 1_003, 1_080, 1_100])).toBe(0);
  });

  it('counts frames more than 100 ms behind the schedule started by the first frame', () => {
    // A 150 ms stall after frame 9: frames 10.. are 150 ms behind until the end.
    const arrivals = onSchedule(20).map((atMs, i) => (i >= 10 ? atMs + 150 : atMs));
    expect(lateFrames(arrivals)).toBe(10);
  });

  it('does not count a frame exactly at the tolerance', () => {
    expect(lateFrames([0, 20 + 100])).toBe(0);
    expect(lateFrames([0, 20 + 101])).toBe(1);
  });

  it('has nothing to count without frames', () => {
    expect(lateFrames([])).toBe(0);
  });
});

describe(playbackStalls.name, () => {
  it('has no stall for frames on schedule or ahead of it', () => {
    expect(playbackStalls(onSchedule(50))).toEqual({ stalls: 0, stalledMs: 0 });
  });

  it('counts one stall for one hold-up, and starts the schedule over after it', () => {
    // A 150 ms hold-up before frame 10; the frames after it are on the new schedule.
    const arrivals = onSchedule(20).map((atMs, i) => (i >= 10 ? atMs + 150 : atMs));
    expect(playbackStalls(arrivals)).toEqual({ stalls: 1, stalledMs: 50 });
    expect(lateFrames(arrivals)).toBe(10);
  });

  it('counts each hold-up that outlasts the buffer', () => {
    const arrivals = onSchedule(30).map((atMs, i) => atMs + (i >= 10 ? 120 : 0) + (i >= 20 ? 130 : 0));
    expect(playbackStalls(arrivals)).toEqual({ stalls: 2, stalledMs: 20 + 30 });
  });
});

describe(lostFrames.name, () => {
  it('counts the frames a finished turn published that the browser did not receive', () => {
    expect(lostFrames(120, 117, 'done')).toBe(3);
    expect(lostFrames(120, 120, 'done')).toBe(0);
  });

  it('does not count the frames an interruption drops on purpose', () => {
    expect(lostFrames(120, 30, 'interrupted')).toBe(0);
    expect(lostFrames(120, 30, 'superseded')).toBe(0);
  });

  it('cannot tell without the published count, or for a turn that never ended', () => {
    expect(lostFrames(null, 117, 'done')).toBeNull();
    expect(lostFrames(120, 50, 'timeout')).toBeNull();
  });
});

describe(generatorValidity.name, () => {
  const healthy = { lagP99Ms: 3, framesSent: 10_000, framesOffSchedule: 5 };

  it('accepts workers that kept time', () => {
    expect(generatorValidity([healthy, healthy])).toEqual({ valid: true, reasons: [] });
  });

  it('refuses a run where one worker lagged, naming it', () => {
    const verdict = generatorValidity([healthy, { ...healthy, lagP99Ms: 25 }]);
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons).toEqual([expect.stringContaining('worker 2: event-loop lag p99 25.0 ms > 20 ms')]);
  });

  it('refuses a run where more than 1 % of the microphone frames went off schedule', () => {
    expect(generatorValidity([{ ...healthy, framesOffSchedule: 100 }]).valid).toBe(true);
    const verdict = generatorValidity([{ ...healthy, framesOffSchedule: 101 }]);
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons[0]).toContain('101 of 10000 microphone frames');
  });

  it('refuses a run with no worker, and a lag that could not be measured', () => {
    expect(generatorValidity([]).valid).toBe(false);
    expect(generatorValidity([{ ...healthy, lagP99Ms: Number.NaN }]).valid).toBe(false);
  });
});

describe(turnCountErrors.name, () => {
  it('tells spurious from missing turns', () => {
    expect(turnCountErrors(3, 3)).toEqual({ spurious: 0, missing: 0 });
    expect(turnCountErrors(5, 3)).toEqual({ spurious: 2, missing: 0 });
    expect(turnCountErrors(1, 3)).toEqual({ spurious: 0, missing: 2 });
  });
});

describe(cpuMsPerSessionMinute.name, () => {
  it('divides CPU time by the minutes of conversation', () => {
    expect(cpuMsPerSessionMinute(3_000, 120_000)).toBe(1_500);
    expect(cpuMsPerSessionMinute(3_000, 0)).toBeNull();
  });
});

describe(overheadOf.name, () => {
  it('prefers the per-turn timeline over the flat figure', () => {
    expect(overheadOf({ overhead_ms: 40, timeline: { overhead_ms: 12 } })).toBe(12);
    expect(overheadOf({ overhead_ms: 40, timeline: { overheadMs: 13 } })).toBe(13);
  });

  it('falls back to overhead_ms when the timeline has no overhead or is absent', () => {
    expect(overheadOf({ overhead_ms: 40, timeline: { speech_end: 1 } })).toBe(40);
    expect(overheadOf({ overhead_ms: 40 })).toBe(40);
    expect(overheadOf({ overhead_ms: null })).toBeNull();
    expect(overheadOf(null)).toBeNull();
  });
});

describe(totalOf.name, () => {
  it('prefers the timeline total over total_latency_ms', () => {
    expect(totalOf({ total_latency_ms: 900, timeline: { total_ms: 950 } })).toBe(950);
    expect(totalOf({ total_latency_ms: 900, timeline: { total_ms: null } })).toBe(900);
    expect(totalOf({})).toBeNull();
  });
});

describe(timelineSpans.name, () => {
  it('reads the spans of a stored timeline and skips malformed ones', () => {
    const message = {
      timeline: {
        spans: [
          { name: 'stt_ms', owner: 'provider', start_ms: 600, duration_ms: 150 },
          { name: 'to_llm_ms', owner: 'fleet', durationMs: 4 },
          { name: 'broken', owner: 'fleet' },
          'nonsense',
        ],
      },
    };
    expect(timelineSpans(message)).toEqual([
      { name: 'stt_ms', owner: 'provider', durationMs: 150 },
      { name: 'to_llm_ms', owner: 'fleet', durationMs: 4 },
    ]);
  });

  it('has no spans without a timeline', () => {
    expect(timelineSpans({ overhead_ms: 3 })).toEqual([]);
    expect(timelineSpans({ timeline: null })).toEqual([]);
  });
});

describe(timelineMarks.name, () => {
  it('reads the numeric marks of a stored timeline', () => {
    expect(timelineMarks({ timeline: { marks_at_ms: { speech_end: 1_000, first_frame_sent: 2_400, broken: 'x' } } })).toEqual({ speech_end: 1_000, first_frame_sent: 2_400 });
    expect(timelineMarks({ timeline: null })).toEqual({});
  });
});

describe(logLineSummary.name, () => {
  it('keeps who said what of a JSON log line', () => {
    const line = 'stt-gateway       │ {"level":"warn","service":"stt-gateway","session_id":"s","msg":"transcription failed","err":{"message":"socket hang up"}}';
    expect(logLineSummary(line)).toBe('stt-gateway warn: transcription failed (err=socket hang up)');
  });

  it('shortens a line that is not JSON', () => {
    expect(logLineSummary('tts-gateway │ plain text')).toBe('plain text');
  });
});

describe(targetVerdicts.name, () => {
  const good: TargetFigures = {
    overheadP95Ms: 55,
    bargeInP95Ms: 120,
    bargeInsMissed: 0,
    lostFrames: 0,
    lateFrames: 1,
    framesReceived: 1_000,
    spuriousTurns: 0,
    missingTurns: 0,
  };

  it('meets every target with figures inside them', () => {
    expect(targetVerdicts(good)).toEqual({ overhead: true, barge_in: true, lost_frames: true, late_frames: true, turns: true });
  });

  it('misses each target with figures outside it', () => {
    expect(targetVerdicts({ ...good, overheadP95Ms: 61 }).overhead).toBe(false);
    expect(targetVerdicts({ ...good, bargeInP95Ms: 151 }).barge_in).toBe(false);
    expect(targetVerdicts({ ...good, bargeInsMissed: 1 }).barge_in).toBe(false);
    expect(targetVerdicts({ ...good, lostFrames: 1 }).lost_frames).toBe(false);
    expect(targetVerdicts({ ...good, lateFrames: 2 }).late_frames).toBe(false);
    expect(targetVerdicts({ ...good, missingTurns: 1 }).turns).toBe(false);
    expect(targetVerdicts({ ...good, spuriousTurns: 1 }).turns).toBe(false);
  });

  it('leaves what was not measured undecided', () => {
    expect(targetVerdicts({ ...good, lostFrames: null, overheadP95Ms: null, framesReceived: 0 })).toMatchObject({ lost_frames: null, overhead: null, late_frames: null });
  });
});

describe(largestPassing.name, () => {
  const met = { overhead: true, barge_in: true, lost_frames: true, late_frames: true, turns: true };

  it('is the largest count that is valid and meets every target', () => {
    const runs = [
      { sessions: 10, valid: true, verdicts: met },
      { sessions: 50, valid: true, verdicts: met },
      { sessions: 100, valid: true, verdicts: { ...met, overhead: false } },
      { sessions: 150, valid: false, verdicts: met },
    ];
    expect(largestPassing(runs)).toBe(50);
  });

  it('is null when no run passes, and an unmeasured target does not pass', () => {
    expect(largestPassing([{ sessions: 10, valid: true, verdicts: { ...met, lost_frames: null } }])).toBeNull();
  });
});
