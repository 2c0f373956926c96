import { AUDIO_IN_SAMPLE_RATE_HZ, bytesOf, FRAME_DURATION_MS, frameSamples } from '@voxbridge/audio';
import { EnergyVoiceActivityDetector } from './energy-vad';
import { EndOfTurnDetector, type TurnEvent } from './end-of-turn-detector';

const SAMPLES = frameSamples(AUDIO_IN_SAMPLE_RATE_HZ);

/** Deterministic white noise and tones, as 20 ms PCM16 frames. */
class Signal {
  private seed = 12345;
  private phase = 0;

  private random(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return this.seed / 0x7fffffff;
  }

  /** Uniform noise at `dbfs` RMS, plus optionally a 440 Hz tone at `toneDbfs` RMS. */
  frame(noiseDbfs: number, toneDbfs?: number): Uint8Array {
    const noiseAmp = 32768 * 10 ** (noiseDbfs / 20) * Math.sqrt(3);
    const toneAmp = toneDbfs === undefined ? 0 : 32768 * 10 ** (toneDbfs / 20) * Math.SQRT2;
    const out = new Int16Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i++) {
      const tone = toneAmp * Math.sin(this.phase);
      this.phase += (2 * Math.PI * 440) / AUDIO_IN_SAMPLE_RATE_HZ;
      out[i] = Math.round(Math.max(-32768, Math.min(32767, (this.random() * 2 - 1) * noiseAmp + tone)));
    }
    return bytesOf(out);
  }
}

/** Feeds `ms` of audio from `make` starting at `fromMs`; returns the events and the end time. */
function feed(sut: EndOfTurnDetector, fromMs: number, ms: number, make: (tMs: number) => Uint8Array, events: TurnEvent[] = []) {
  let t = fromMs;
  for (; t < fromMs + ms; t += FRAME_DURATION_MS) events.push(...sut.process(make(t), t));
  return { events, endMs: t };
}

describe(EnergyVoiceActivityDetector.name, () => {
  it.each([-60, -45])('hears no speech in steady noise at %i dBFS and settles its floor on it', (noiseDbfs) => {
    const signal = new Signal();
    const sut = new EnergyVoiceActivityDetector();
    const frames = Array.from({ length: 150 }, (_, i) => sut.process(signal.frame(noiseDbfs), i * FRAME_DURATION_MS));
    expect(frames.filter((f) => f.voiced || f.speaking)).toHaveLength(0);
    expect(sut.noiseFloorDbfs).toBeGreaterThan(noiseDbfs - 2);
    expect(sut.noiseFloorDbfs).toBeLessThan(noiseDbfs + 2);
  });

  it('follows a slowly rising noise level (-60 to -35 dBFS over 5 s) without declaring speech', () => {
    const signal = new Signal();
    const sut = new EnergyVoiceActivityDetector();
    const frames = Array.from({ length: 250 }, (_, i) => sut.process(signal.frame(-60 + (25 * i) / 250), i * FRAME_DURATION_MS));
    expect(frames.filter((f) => f.speaking)).toHaveLength(0);
    expect(sut.noiseFloorDbfs).toBeGreaterThan(-40);
  });

  it('absorbs a sudden step in noise (a fan turning on) within its floor window', () => {
    const signal = new Signal();
    const sut = new EnergyVoiceActivityDetector({ floorWindowMs: 2_000 });
    for (let i = 0; i < 100; i++) sut.process(signal.frame(-60), i * FRAME_DURATION_MS);
    const after = Array.from({ length: 250 }, (_, i) => sut.process(signal.frame(-30), (100 + i) * FRAME_DURATION_MS));
    expect(after.slice(-50).filter((f) => f.speaking || f.voiced)).toHaveLength(0);
  });

  it('confirms speech only after its onset, and keeps it through the hangover', () => {
    const signal = new Signal();
    const sut = new EnergyVoiceActivityDetector({ onsetMs: 60, hangoverMs: 200 });
    for (let i = 0; i < 50; i++) sut.process(signal.frame(-60), i * 20);
    const tone = [0, 1, 2].map((i) => sut.process(signal.frame(-60, -20), 1000 + i * 20));
    expect(tone.map((f) => [f.voiced, f.speaking])).toEqual([
      [true, false],
      [true, false],
      [true, true],
    ]);
    expect(tone[2]?.segmentStartMs).toBe(1000);
    const quiet = Array.from({ length: 12 }, (_, i) => sut.process(signal.frame(-60), 1060 + i * 20));
    // Last voiced frame ends at 1060; speech holds while less than 200 ms have passed.
    expect(quiet.map((f) => f.speaking)).toEqual([...Array<boolean>(9).fill(true), false, false, false]);
  });

  it('confirms speech when capture times jitter by a few ms (a gateway stamping frames from a 20 ms timer)', () => {
    const signal = new Signal();
    const sut = new EnergyVoiceActivityDetector({ onsetMs: 60 });
    let t = 0;
    for (let i = 0; i < 15; i++, t += FRAME_DURATION_MS + (i % 3)) sut.process(signal.frame(-60), t);
    const tone = Array.from({ length: 5 }, (_, i) => {
      const result = sut.process(signal.frame(-60, -20), t);
      t += FRAME_DURATION_MS + 1 + (i % 2);
      return result;
    });
    expect(tone.map((f) => f.speaking)).toEqual([false, false, true, true, true]);
  });

  it('still takes a hole of a whole frame as a gap: voiced blips with frames missing between them are not speech', () => {
    const signal = new Signal();
    const sut = new EnergyVoiceActivityDetector({ onsetMs: 60 });
    for (let i = 0; i < 50; i++) sut.process(signal.frame(-60), i * FRAME_DURATION_MS);
    // Two voiced frames, one frame missing, two voiced frames, one missing...
    const blips = [1000, 1020, 1060, 1080, 1120, 1140].map((t) => sut.process(signal.frame(-60, -20), t));
    expect(blips.every((f) => f.voiced)).toBe(true);
    expect(blips.some((f) => f.speaking)).toBe(false);
  });
});

describe(EndOfTurnDetector.name, () => {
  const quiet = (signal: Signal) => () => signal.frame(-60);
  const tone = (signal: Signal) => () => signal.frame(-60, -20);

  it('exposes its minimum speech duration (200 ms by default)', () => {
    expect(new EndOfTurnDetector(new EnergyVoiceActivityDetector()).minSpeechMs).toBe(200);
  });

  it('does not start a turn on a 120 ms noise burst: its onset is dismissed once the hangover has passed', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector());
    const { events } = feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 120, () => signal.frame(-60, -15), events);
    expect(sut.onsetPending).toBe(true);
    feed(sut, 1120, 2000, quiet(signal), events);
    expect(events).toEqual([
      { type: 'voice_onset', tVoiceStartMs: 1000, atMs: 1060 },
      // The VAD's 200 ms hangover after the last voiced sample (1120) could still have made it speech.
      { type: 'voice_dismissed', tVoiceStartMs: 1000, tVoiceEndMs: 1120, atMs: 1320 },
    ]);
    expect(sut.inTurn).toBe(false);
    expect(sut.onsetPending).toBe(false);
  });

  it('reports nothing for a click shorter than the onset run (40 ms)', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector());
    const { events } = feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 40, () => signal.frame(-60, -15), events);
    feed(sut, 1040, 1000, quiet(signal), events);
    expect(events).toEqual([]);
  });

  it('hears speech in a stream whose very first frame is already speech (a listener that joined late)', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector());
    const { events } = feed(sut, 0, 400, tone(signal));
    expect(events.map((e) => e.type)).toContain('speech_started');
    expect(sut.inTurn).toBe(true);
  });

  it('starts a turn when frames arrive 1-2 ms later than back to back (jittery capture clock)', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector());
    const events: TurnEvent[] = [];
    let t = 0;
    const jittered = (ms: number, make: () => Uint8Array) => {
      for (let i = 0; i < ms / FRAME_DURATION_MS; i++, t += FRAME_DURATION_MS + 1 + (i % 2)) events.push(...sut.process(make(), t));
    };
    jittered(300, quiet(signal));
    jittered(900, tone(signal));
    jittered(900, quiet(signal));
    expect(events.map((e) => e.type)).toEqual(['voice_onset', 'speech_started', 'speech_stopped', 'end_of_turn']);
  });

  it('starts a turn on 300 ms of sound: the onset after the VAD onset run, speech_started after 200 ms, both dated at its first voiced frame', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector());
    const { events } = feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 300, tone(signal), events);
    expect(events).toEqual([
      { type: 'voice_onset', tVoiceStartMs: 1000, atMs: 1060 },
      { type: 'speech_started', tSpeechStartMs: 1000, atMs: 1200 },
    ]);
    expect(sut.inTurn).toBe(true);
    expect(sut.onsetPending).toBe(false);
  });

  it.each([600, 800])('ends the turn after exactly silenceMs=%i of silent frames, reporting the last voiced sample', (silenceMs) => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector(), { silenceMs });
    feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 400, tone(signal));
    const silentFrames = silenceMs / FRAME_DURATION_MS;
    const before = feed(sut, 1400, (silentFrames - 1) * FRAME_DURATION_MS, quiet(signal));
    expect(before.events).toEqual([]);
    const last = sut.process(signal.frame(-60), before.endMs);
    expect(last).toEqual([
      { type: 'speech_stopped', tSpeechEndMs: 1400, atMs: 1400 + silenceMs },
      { type: 'end_of_turn', reason: 'silence', tSpeechStartMs: 1000, tSpeechEndMs: 1400, atMs: 1400 + silenceMs },
    ]);
  });

  it('counts a gap in the frame stream as silence', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector());
    feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 400, tone(signal));
    // Nothing for 500 ms: not yet the end. The next frame, 200 ms of audio later, crosses 600 ms.
    expect(sut.advanceTo(1900)).toEqual([]);
    const events = sut.process(signal.frame(-60, -20), 2100);
    expect(events.map((e) => e.type)).toEqual(['speech_stopped', 'end_of_turn']);
    expect(events[1]).toMatchObject({ reason: 'silence', tSpeechEndMs: 1400, atMs: 2000 });
  });

  it('ends a turn from a timer alone when no frames arrive (Discord sends none in silence)', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector(), { silenceMs: 600 });
    feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 400, tone(signal));
    expect(sut.advanceTo(1999)).toEqual([]);
    expect(sut.advanceTo(2000)).toEqual([
      { type: 'speech_stopped', tSpeechEndMs: 1400, atMs: 2000 },
      { type: 'end_of_turn', reason: 'silence', tSpeechStartMs: 1000, tSpeechEndMs: 1400, atMs: 2000 },
    ]);
  });

  it('cuts an utterance at maxUtteranceMs and starts the next one only after new minimum speech', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector({ floorWindowMs: 10_000 }), { maxUtteranceMs: 1000 });
    const { events } = feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 1600, tone(signal), events);
    expect(events).toEqual([
      { type: 'voice_onset', tVoiceStartMs: 1000, atMs: 1060 },
      { type: 'speech_started', tSpeechStartMs: 1000, atMs: 1200 },
      { type: 'speech_stopped', tSpeechEndMs: 2000, atMs: 2000 },
      { type: 'end_of_turn', reason: 'max_utterance', tSpeechStartMs: 1000, tSpeechEndMs: 2000, atMs: 2000 },
      // Still inside the VAD's segment: the next voiced frame is an onset at once.
      { type: 'voice_onset', tVoiceStartMs: 2000, atMs: 2020 },
      { type: 'speech_started', tSpeechStartMs: 2000, atMs: 2200 },
    ]);
  });
});

describe(`${EndOfTurnDetector.name} onsets`, () => {
  const tone = (signal: Signal) => () => signal.frame(-60, -20);
  const quiet = (signal: Signal) => () => signal.frame(-60);
  /** 1 s of quiet so the floor settles, then the detector is ready at t = 1000. */
  const settled = (signal: Signal, options = {}) => {
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector(), options);
    feed(sut, 0, 1000, quiet(signal));
    return sut;
  };

  /** Feeds frames whose capture times run 0–3 ms late or 1 ms early (never a whole frame off). */
  function jitteredFeed(sut: EndOfTurnDetector, clock: { t: number }, ms: number, make: () => Uint8Array, events: TurnEvent[]) {
    const offsets = [2, 0, 3, -1, 1, 3, 0, 2];
    for (let i = 0; i < ms / FRAME_DURATION_MS; i++) {
      events.push(...sut.process(make(), clock.t + (offsets[i % offsets.length] ?? 0)));
      clock.t += FRAME_DURATION_MS;
    }
  }

  it('dismisses a 120 ms burst whose frames jitter by a few ms, and never starts a turn', () => {
    const signal = new Signal();
    const sut = settled(signal);
    const events: TurnEvent[] = [];
    const clock = { t: 1000 };
    jitteredFeed(sut, clock, 120, tone(signal), events);
    jitteredFeed(sut, clock, 1000, quiet(signal), events);
    expect(events.map((e) => e.type)).toEqual(['voice_onset', 'voice_dismissed']);
    expect(events[0]).toMatchObject({ tVoiceStartMs: 1002 });
    expect(events[1]).toMatchObject({ tVoiceStartMs: 1002 });
  });

  it('confirms 400 ms of jittered speech as onset then speech_started, with the same first voiced frame', () => {
    const signal = new Signal();
    const sut = settled(signal);
    const events: TurnEvent[] = [];
    const clock = { t: 1000 };
    jitteredFeed(sut, clock, 400, tone(signal), events);
    expect(events.map((e) => e.type)).toEqual(['voice_onset', 'speech_started']);
    expect(events[0]).toMatchObject({ tVoiceStartMs: 1002 });
    expect(events[1]).toMatchObject({ tSpeechStartMs: 1002 });
  });

  it('keeps the onset through a missing frame within the hangover and confirms it (one resolution, no dismissal)', () => {
    const signal = new Signal();
    const sut = settled(signal);
    const { events } = feed(sut, 1000, 100, tone(signal));
    // The frame at 1100 never arrives; voice goes on from 1120.
    feed(sut, 1120, 200, tone(signal), events);
    expect(events.map((e) => e.type)).toEqual(['voice_onset', 'speech_started']);
    expect(events[1]).toMatchObject({ tSpeechStartMs: 1000 });
  });

  it('dismisses an onset when the frames stop, by the clock alone, once the hangover has passed', () => {
    const signal = new Signal();
    const sut = settled(signal);
    const { events } = feed(sut, 1000, 100, tone(signal));
    expect(events.map((e) => e.type)).toEqual(['voice_onset']);
    expect(sut.advanceTo(1299)).toEqual([]);
    expect(sut.advanceTo(1300)).toEqual([{ type: 'voice_dismissed', tVoiceStartMs: 1000, tVoiceEndMs: 1100, atMs: 1300 }]);
    expect(sut.advanceTo(1400)).toEqual([]);
    // Voice after the gap is a new onset, confirmed on its own.
    const after = feed(sut, 1500, 300, tone(signal));
    expect(after.events).toEqual([
      { type: 'voice_onset', tVoiceStartMs: 1500, atMs: 1560 },
      { type: 'speech_started', tSpeechStartMs: 1500, atMs: 1700 },
    ]);
  });

  it('dismisses an onset when a gap longer than the hangover comes before the next voiced frame', () => {
    const signal = new Signal();
    const sut = settled(signal);
    const { events } = feed(sut, 1000, 100, tone(signal));
    feed(sut, 1400, 300, tone(signal), events);
    expect(events.map((e) => e.type)).toEqual(['voice_onset', 'voice_dismissed', 'voice_onset', 'speech_started']);
    expect(events[1]).toMatchObject({ tVoiceStartMs: 1000, tVoiceEndMs: 1100 });
    expect(events[2]).toMatchObject({ tVoiceStartMs: 1400 });
  });

  it('dismisses a pending onset on reset (the session stops), and nothing when none is pending', () => {
    const signal = new Signal();
    const sut = settled(signal);
    feed(sut, 1000, 100, tone(signal));
    expect(sut.reset()).toEqual([{ type: 'voice_dismissed', tVoiceStartMs: 1000, tVoiceEndMs: 1100, atMs: 1100 }]);
    expect(sut.onsetPending).toBe(false);
    expect(sut.reset()).toEqual([]);
  });

  it('reports onset and speech_started on the same frame when no minimum speech is asked for', () => {
    const signal = new Signal();
    const sut = settled(signal, { minSpeechMs: 0 });
    const { events } = feed(sut, 1000, 100, tone(signal));
    expect(events).toEqual([
      { type: 'voice_onset', tVoiceStartMs: 1000, atMs: 1060 },
      { type: 'speech_started', tSpeechStartMs: 1000, atMs: 1060 },
    ]);
  });

  it('resolves every onset exactly once over a long random stream of bursts, speech, jitter, gaps and timer ticks', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector({ floorWindowMs: 60_000 }), { silenceMs: 400 });
    let seed = 99;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const events: TurnEvent[] = [];
    let t = 0;
    feed(sut, 0, 1000, quiet(signal));
    t = 1000;
    for (let block = 0; block < 300; block++) {
      const voiced = random() < 0.5;
      const ms = voiced ? 20 * (1 + Math.floor(random() * 20)) : 20 * (1 + Math.floor(random() * 25));
      for (let f = 0; f < ms / FRAME_DURATION_MS; f++) {
        events.push(...sut.process(voiced ? signal.frame(-60, -20) : signal.frame(-60), t + Math.floor(random() * 4)));
        t += FRAME_DURATION_MS;
      }
      if (random() < 0.2) {
        // The frames stop for a while; half the time the session's timer ticks every 20 ms meanwhile.
        const gapMs = 20 * (1 + Math.floor(random() * 30));
        if (random() < 0.5) for (let tick = 40; tick <= gapMs; tick += 20) events.push(...sut.advanceTo(t + tick));
        t += gapMs;
      }
    }
    events.push(...sut.reset());

    let pending = false;
    let onsets = 0;
    for (const event of events) {
      if (event.type === 'voice_onset') {
        expect(pending).toBe(false);
        pending = true;
        onsets += 1;
      } else if (event.type === 'voice_dismissed' || event.type === 'speech_started') {
        expect(pending).toBe(true);
        pending = false;
      }
    }
    expect(pending).toBe(false);
    const kinds = new Set(events.map((e) => e.type));
    expect(onsets).toBeGreaterThan(20);
    expect([...kinds].sort()).toEqual(['end_of_turn', 'speech_started', 'speech_stopped', 'voice_dismissed', 'voice_onset']);
  });
});

describe('the speech clock under load (frames stamped on arrival come in bursts)', () => {
  const quiet = (signal: Signal) => () => signal.frame(-60);
  const tone = (signal: Signal) => () => signal.frame(-60, -20);

  it('places a burst of frames stamped alike one after another, then gives the lead back 5 ms per frame until it is on the capture clock again', () => {
    const signal = new Signal();
    const sut = new EnergyVoiceActivityDetector();
    for (let t = 0; t < 1000; t += FRAME_DURATION_MS) sut.process(signal.frame(-60), t);
    // Five frames held up 80 ms arrive together, all stamped 1080, then the stream is on time again.
    const burst = Array.from({ length: 5 }, () => sut.process(signal.frame(-60), 1080));
    const after = Array.from({ length: 20 }, (_, i) => ({ captureMs: 1100 + i * FRAME_DURATION_MS, frame: sut.process(signal.frame(-60), 1100 + i * FRAME_DURATION_MS) }));

    expect(burst.map((f) => f.startMs)).toEqual([1080, 1095, 1110, 1125, 1140]);
    const leads = after.map(({ captureMs, frame }) => frame.startMs - captureMs);
    expect(leads.slice(0, 12)).toEqual([55, 50, 45, 40, 35, 30, 25, 20, 15, 10, 5, 0]);
    expect(leads.slice(12).every((lead) => lead === 0)).toBe(true);
    expect(after.every(({ frame }) => frame.endMs === frame.startMs + FRAME_DURATION_MS)).toBe(true);
  });

  it('dates the end of speech on the capture clock even after a stall in the middle of the utterance', () => {
    const signal = new Signal();
    const sut = new EndOfTurnDetector(new EnergyVoiceActivityDetector());
    const { events } = feed(sut, 0, 1000, quiet(signal));
    feed(sut, 1000, 100, tone(signal), events);
    // The gateway stalled: the frames captured 1100–1200 arrive together at 1200 and are stamped so.
    for (let i = 0; i < 6; i++) events.push(...sut.process(tone(signal)(), 1200));
    feed(sut, 1220, 380, tone(signal), events);
    feed(sut, 1600, 1000, quiet(signal), events);

    expect(events.map((e) => e.type)).toEqual(['voice_onset', 'speech_started', 'speech_stopped', 'end_of_turn']);
    // The last voiced frame was captured at 1580: speech ended at 1600, not a stall's length later.
    expect(events[2]).toEqual({ type: 'speech_stopped', tSpeechEndMs: 1600, atMs: 2200 });
  });
});
