import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-client';
import type { VoiceTokenDto } from '../api/api-types';
import { createTalkStore } from './talk-store';
import { fakeVoiceDeps, type FakeAudio, type FakeSocket } from './talk-test-fakes';
import { VoiceSession } from './voice-session';

const AGENT = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';
const SESSION = '0b7e4a52-9d0e-4d0b-8f7a-3c2e9a1d5e60';
const TURN = '11111111-1111-4111-8111-111111111111';

function setup(mintToken?: (agentId: string) => Promise<VoiceTokenDto>) {
  const store = createTalkStore();
  const { deps, sockets, audios, timers, debug } = fakeVoiceDeps(mintToken);
  const sut = new VoiceSession(store, deps);
  return { sut, store, debug, sockets, audios, timers };
}

const readyData = { session_id: SESSION, agent_id: AGENT, agent_name: 'Auren', input_sample_rate: 16000, output_sample_rate: 24000, frame_ms: 20, resumed: false };

async function connected() {
  const env = setup();
  await env.sut.start(AGENT);
  const socket = env.sockets[0];
  if (!socket) throw new Error('no socket opened');
  socket.event('ready', readyData);
  return { ...env, socket, audio: env.audios[0] as FakeAudio };
}

describe(VoiceSession.name, () => {
  it('opens the socket with the token and agent, and sends microphone frames only once ready', async () => {
    const env = setup();
    await env.sut.start(AGENT);
    const socket = env.sockets[0] as FakeSocket;
    const url = new URL(socket.url);
    expect(url.searchParams.get('agent_id')).toBe(AGENT);
    expect(url.searchParams.get('token')).toBe('vbt_1');
    expect(socket.binaryType).toBe('arraybuffer');

    env.audios[0]?.handlers.onFrame(new ArrayBuffer(640));
    expect(socket.sent).toHaveLength(0);
    socket.event('ready', readyData);
    env.audios[0]?.handlers.onFrame(new ArrayBuffer(640));
    expect(socket.sent).toHaveLength(1);
    expect(env.debug).toMatchObject({ framesSent: 1, lastFrameBytes: 640, socketsReady: 1 });
  });

  it('flushes playback the moment a turn is interrupted and drops that turn’s late frames', async () => {
    const { socket, audio, debug } = await connected();
    socket.event('turn_state', { turn_id: TURN, state: 'speaking' });
    socket.receive(new ArrayBuffer(960));
    expect(audio.played).toHaveLength(1);

    socket.event('turn_state', { turn_id: TURN, state: 'interrupted', heard_text: 'It is' });
    expect(audio.flushes).toBe(1);
    socket.receive(new ArrayBuffer(960));
    expect(audio.played).toHaveLength(1);
    audio.handlers.onStats({ type: 'stats', framesPlayed: 0, framesDropped: 4, framesBuffered: 0, playing: false });
    expect(debug).toMatchObject({ framesReceived: 2, framesDroppedOnInterrupt: 5, interruptionsReceived: 1 });
  });

  it('sends interrupt and silences the speaker when the user cuts the agent off', async () => {
    const { sut, socket, audio } = await connected();
    socket.event('turn_state', { turn_id: TURN, state: 'speaking' });
    sut.interrupt();
    expect(audio.flushes).toBe(1);
    expect(socket.sent).toContain(JSON.stringify({ type: 'interrupt' }));
  });

  it('reconnects to the same session after the socket drops', async () => {
    const { socket, sockets, timers, store } = await connected();
    socket.drop(1006);
    expect(store.getState().connection).toBe('reconnecting');
    expect(timers).toEqual([expect.objectContaining({ delayMs: 500 })]);
    timers[0]?.run();
    await Promise.resolve();
    await Promise.resolve();
    const again = sockets[1];
    expect(again).toBeDefined();
    expect(new URL(again?.url ?? 'ws://x').searchParams.get('session_id')).toBe(SESSION);
  });

  it('ends the session with `end` and releases the microphone on stop', async () => {
    const { sut, socket, audio, store } = await connected();
    sut.stop();
    expect(socket.sent).toContain(JSON.stringify({ type: 'end' }));
    expect(audio.closed).toBe(true);
    expect(store.getState().connection).toBe('idle');
  });

  it('fails with the API’s message when no voice token is granted', async () => {
    const env = setup(async () => {
      throw new ApiError(404, 'not_found', 'agent 6f1c… not found');
    });
    await env.sut.start(AGENT);
    expect(env.store.getState().connection).toBe('failed');
    expect(env.store.getState().error?.message).toBe('Could not get a voice token: agent 6f1c… not found');
    expect(env.audios[0]?.closed).toBe(true);
    expect(env.sockets).toHaveLength(0);
  });

  it('sends no microphone frames while muted, and sends them again once unmuted', async () => {
    const { sut, socket, audio, debug, store } = await connected();
    sut.setMuted(true);
    audio.handlers.onFrame(new ArrayBuffer(640));
    audio.handlers.onFrame(new ArrayBuffer(640));
    expect(socket.sent).toHaveLength(0);
    expect(store.getState().muted).toBe(true);
    expect(debug.framesMuted).toBe(2);

    sut.setMuted(false);
    audio.handlers.onFrame(new ArrayBuffer(640));
    expect(socket.sent).toHaveLength(1);
  });

  it('reads the microphone level (0 while muted), sets the volume and switches microphones on the open audio', async () => {
    const { sut, audio } = await connected();
    audio.level = 0.3;
    expect(sut.inputLevel()).toBe(0.3);
    sut.setMuted(true);
    expect(sut.inputLevel()).toBe(0);
    sut.setOutputVolume(0.4);
    expect(audio.volume).toBe(0.4);
    await sut.switchMicrophone('usb-mic');
    expect(audio.microphoneId).toBe('usb-mic');
  });

  it('opens the audio with the chosen microphone and volume', async () => {
    const env = setup();
    await env.sut.start(AGENT, { microphoneId: 'usb-mic', outputVolume: 0.5 });
    expect(env.audios[0]?.options).toEqual({ microphoneId: 'usb-mic', outputVolume: 0.5 });
  });
});
