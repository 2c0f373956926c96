import type { ReplyEvent, TranscriptEvent, TurnEvent } from '@voxbridge/contracts';
import { REPLAY_KEEP_MS, StageRecovery } from './stage-recovery';

const SESSION = '6f1c1f52-4a47-4d4e-9f1e-3f0c2a8f7e10';
const UTTERANCE = '0b7f3c58-37a4-4a39-a2c4-5d0a52d6a1f3';

const final = (speechEndAtMs: number): TranscriptEvent => ({ session_id: SESSION, utterance_id: UTTERANCE, kind: 'final', text: 'Hello?', speech_end_at_ms: speechEndAtMs });
const reply = (kind: ReplyEvent['kind']): ReplyEvent => ({ session_id: SESSION, turn_id: UTTERANCE, kind, seq: 0, text: 'Hi' });
const turn = (state: TurnEvent['state']): TurnEvent => ({ session_id: SESSION, turn_id: UTTERANCE, state });
const frame = (timestampMs: number) => ({ bytes: new Uint8Array(640), seq: timestampMs / 20, timestampMs });

describe(StageRecovery.name, () => {
  it('replays to a new speech-to-text replica the audio after the last final transcript, within what it keeps', () => {
    const sut = new StageRecovery();
    for (let t = 0; t < 2_000; t += 20) sut.audioSent(frame(t));
    expect(sut.plan('stt').replay).toHaveLength(100);
    sut.transcript(final(1_500));
    expect(sut.plan('stt').replay?.map((f) => f.timestampMs)).toEqual(Array.from({ length: 24 }, (_, i) => 1_520 + i * 20));
    for (let t = 2_000; t < 10_000; t += 20) sut.audioSent(frame(t));
    expect(sut.plan('stt').replay).toHaveLength(REPLAY_KEEP_MS / 20);
  });

  it('asks a new LLM replica again about an utterance nobody started answering; cuts short one being answered', () => {
    const sut = new StageRecovery();
    expect(sut.plan('llm')).toEqual({});
    sut.transcript(final(1_000));
    expect(sut.plan('llm')).toEqual({ republish: final(1_000) });

    sut.reply(reply('delta'));
    const plan = sut.plan('llm');
    expect(plan.republish).toBeUndefined();
    expect(plan.cutShort).toMatchObject({ turnId: UTTERANCE, error: { service: 'llm-router', turn_id: UTTERANCE, code: 'unavailable' } });
    expect(plan.cutShort?.error.message).toMatch(/llm-router stopped while answering/);
    expect(sut.plan('llm')).toEqual({}); // told once
  });

  it('leaves a finished answer alone, and cuts short speech that had started but not ended when tts-gateway dies', () => {
    const answered = new StageRecovery();
    answered.transcript(final(1_000));
    answered.reply(reply('delta'));
    answered.reply(reply('done'));
    expect(answered.plan('llm')).toEqual({});
    expect(answered.plan('tts').cutShort?.error).toMatchObject({ service: 'tts-gateway' });

    const spoken = new StageRecovery();
    spoken.transcript(final(1_000));
    spoken.reply(reply('done'));
    spoken.turn(turn('done'));
    expect(spoken.plan('tts')).toEqual({});
    expect(spoken.plan('llm')).toEqual({});
  });
});
