import { TurnFloor } from './turn-floor';

describe(TurnFloor.name, () => {
  const options = { maxWaitMs: 1_000, maxQueued: 3 };

  it('answers an utterance at once when nobody else is mid-utterance', () => {
    const sut = new TurnFloor<string>(options);
    sut.enqueue('alice-1', 'alice');
    expect(sut.take(0)).toEqual({ kind: 'ready', item: 'alice-1', held: false, timedOut: false, heldMs: 0 });
    expect(sut.take(0)).toEqual({ kind: 'empty' });
  });

  it('ignores the speaker’s own voice: only someone else mid-utterance holds the turn', () => {
    const sut = new TurnFloor<string>(options);
    sut.onVad('speech_started', 'alice', 'a2');
    sut.enqueue('alice-1', 'alice');
    expect(sut.take(0)).toMatchObject({ kind: 'ready', item: 'alice-1' });
  });

  it('holds an utterance while another speaker is mid-utterance and releases it when they stop', () => {
    const sut = new TurnFloor<string>(options);
    expect(sut.onVad('voice_onset', 'bob', 'b1')).toBe(true);
    expect(sut.onVad('speech_started', 'bob', 'b1')).toBe(false);
    sut.enqueue('alice-1', 'alice');
    expect(sut.take(100)).toEqual({ kind: 'wait', waitMs: 1_000 });
    expect(sut.take(400)).toEqual({ kind: 'wait', waitMs: 700 });
    expect(sut.onVad('speech_stopped', 'bob', 'b1')).toBe(true);
    expect(sut.take(600)).toEqual({ kind: 'ready', item: 'alice-1', held: true, timedOut: false, heldMs: 500 });
  });

  it('lets a tentative onset hold the turn until it is dismissed', () => {
    const sut = new TurnFloor<string>(options);
    sut.onVad('voice_onset', 'bob', 'cough');
    sut.enqueue('alice-1', 'alice');
    expect(sut.take(0)).toMatchObject({ kind: 'wait' });
    sut.onVad('voice_dismissed', 'bob', 'cough');
    expect(sut.take(50)).toMatchObject({ kind: 'ready', item: 'alice-1' });
  });

  it('answers anyway once the wait bound runs out, saying so', () => {
    const sut = new TurnFloor<string>(options);
    sut.onVad('speech_started', 'bob', 'b1');
    sut.enqueue('alice-1', 'alice');
    expect(sut.take(0)).toMatchObject({ kind: 'wait' });
    expect(sut.take(1_000)).toEqual({ kind: 'ready', item: 'alice-1', held: true, timedOut: true, heldMs: 1_000 });
  });

  it('ignores the end of an older utterance of a speaker who has begun a newer one', () => {
    const sut = new TurnFloor<string>(options);
    sut.onVad('speech_started', 'bob', 'b1');
    sut.onVad('voice_onset', 'bob', 'b2');
    expect(sut.onVad('speech_stopped', 'bob', 'b1')).toBe(false);
    expect(sut.othersSpeaking('alice')).toBe(true);
  });

  it('answers waiting utterances in the order they ended, dropping the oldest beyond the bound', () => {
    const sut = new TurnFloor<string>(options);
    expect(sut.enqueue('alice-1', 'alice')).toBeUndefined();
    sut.enqueue('bob-1', 'bob');
    sut.enqueue('carol-1', 'carol');
    expect(sut.enqueue('alice-2', 'alice')).toBe('alice-1');
    expect(sut.headSpeakerKey).toBe('bob');
    expect([sut.take(0), sut.take(0), sut.take(0)].map((d) => (d.kind === 'ready' ? d.item : d.kind))).toEqual(['bob-1', 'carol-1', 'alice-2']);
    expect(sut.length).toBe(0);
  });

  it('drain hands back everything waiting and forgets it', () => {
    const sut = new TurnFloor<string>(options);
    sut.enqueue('alice-1', 'alice');
    sut.enqueue('bob-1', 'bob');
    expect(sut.drain()).toEqual(['alice-1', 'bob-1']);
    expect(sut.take(0)).toEqual({ kind: 'empty' });
  });
});
