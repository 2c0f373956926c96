/** Test doubles of the voice socket and the browser audio (the voice session and Talk page tests share them). */
import type { VoiceTokenDto } from '../api/api-types';
import type { VoiceAudioHandlers, VoiceAudioOptions, VoiceAudioPort } from '../audio/voice-audio';
import { createDebug } from './debug-hooks';
import type { SocketLike, VoiceSessionDeps } from './voice-session';

export class FakeSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 1;
  bufferedAmount = 0;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  readonly sent: Array<string | ArrayBuffer> = [];
  constructor(readonly url: string) {}
  send(data: string | ArrayBuffer): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  receive(data: string | ArrayBuffer): void {
    this.onmessage?.({ data } as MessageEvent);
  }
  event(event: string, data: object): void {
    this.receive(JSON.stringify({ event, data }));
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' } as CloseEvent);
  }
}

export class FakeAudio implements VoiceAudioPort {
  readonly ready = Promise.resolve();
  readonly contextSampleRateHz = 48_000;
  readonly played: ArrayBuffer[] = [];
  flushes = 0;
  closed = false;
  level = 0;
  volume: number;
  microphoneId: string | null;
  constructor(
    readonly handlers: VoiceAudioHandlers,
    readonly options: VoiceAudioOptions = { microphoneId: null, outputVolume: 1 },
  ) {
    this.volume = options.outputVolume;
    this.microphoneId = options.microphoneId;
  }
  play(frame: ArrayBuffer): void {
    this.played.push(frame);
  }
  flush(): void {
    this.flushes += 1;
  }
  close(): void {
    this.closed = true;
  }
  inputLevel(): number {
    return this.level;
  }
  setOutputVolume(volume: number): void {
    this.volume = volume;
  }
  async switchMicrophone(deviceId: string | null): Promise<void> {
    this.microphoneId = deviceId;
  }
}

export const TOKEN: VoiceTokenDto = { token: 'vbt_1', expires_at: '', ws_url: 'ws://gw:4901/ws/voice' };

/** Voice session dependencies made of fakes, and what they created. */
export function fakeVoiceDeps(mintToken: (agentId: string) => Promise<VoiceTokenDto> = async () => TOKEN) {
  const sockets: FakeSocket[] = [];
  const audios: FakeAudio[] = [];
  const timers: Array<{ run: () => void; delayMs: number }> = [];
  const debug = createDebug();
  const deps: VoiceSessionDeps = {
    mintToken,
    createAudio: (handlers, options) => {
      const audio = new FakeAudio(handlers, options);
      audios.push(audio);
      return audio;
    },
    openSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    schedule: (run, delayMs) => {
      timers.push({ run, delayMs });
      return () => undefined;
    },
    debug,
  };
  return { deps, sockets, audios, timers, debug };
}
