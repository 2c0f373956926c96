import workletUrl from './voice.worklet.ts?worker&url';
import type { PlaybackCommand, PlaybackStats } from './worklet-messages';

export interface VoiceAudioHandlers {
  /** One 20 ms PCM16 LE 16 kHz frame (640 bytes) from the microphone. */
  onFrame(frame: ArrayBuffer): void;
  onStats(stats: PlaybackStats): void;
}

/** What the voice session needs of the browser's audio; a fake stands in for it in tests. */
export interface VoiceAudioPort {
  /** Settles once the microphone is open and the worklets run; rejects with a message fit to show. */
  readonly ready: Promise<void>;
  readonly contextSampleRateHz: number;
  play(frame: ArrayBuffer): void;
  /** Empties the playback buffer at once. */
  flush(): void;
  close(): void;
  /** The microphone's level now, 0 (silence) to 1 (full scale): RMS of the last few ms. */
  inputLevel(): number;
  /** Speaker volume, 0 to 1. */
  setOutputVolume(volume: number): void;
  /** Switches to another microphone mid-call (null: the system default); rejects with a message fit to show. */
  switchMicrophone(deviceId: string | null): Promise<void>;
}

export interface VoiceAudioOptions {
  /** `deviceId` of the microphone to open; null, or one that is gone: the system default. */
  microphoneId: string | null;
  /** Speaker volume, 0 to 1. */
  outputVolume: number;
}

const AUDIO_PROCESSING = { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 } as const;

function micConstraints(deviceId: string | null): MediaStreamConstraints {
  // `ideal`, not `exact`: an unplugged microphone falls back to the default instead of failing the call.
  return { audio: deviceId ? { ...AUDIO_PROCESSING, deviceId: { ideal: deviceId } } : AUDIO_PROCESSING };
}

const clampVolume = (volume: number) => (Number.isFinite(volume) ? Math.min(1, Math.max(0, volume)) : 1);

function microphoneProblem(error: unknown): Error {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError') return new Error('Microphone access was refused. Allow it in the browser’s site settings and try again.');
  if (name === 'NotFoundError') return new Error('No microphone was found.');
  if (name === 'NotReadableError') return new Error('The microphone is in use by another application.');
  return new Error(`The microphone could not be opened${error instanceof Error ? `: ${error.message}` : ''}.`);
}

/**
 * The microphone and the speaker through one AudioContext. The context is created in the
 * constructor, so constructing this inside a click handler satisfies the browsers' autoplay rules.
 */
export class VoiceAudio implements VoiceAudioPort {
  readonly ready: Promise<void>;
  private readonly context = new AudioContext({ latencyHint: 'interactive' });
  private stream: MediaStream | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private capture: AudioWorkletNode | null = null;
  private readonly analyser: AnalyserNode;
  private readonly levelSamples: Float32Array<ArrayBuffer>;
  private readonly output: GainNode;
  private nodes: AudioNode[] = [];
  private playback: AudioWorkletNode | null = null;
  private closed = false;

  constructor(
    private readonly handlers: VoiceAudioHandlers,
    options: VoiceAudioOptions = { microphoneId: null, outputVolume: 1 },
  ) {
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.levelSamples = new Float32Array(this.analyser.fftSize);
    this.output = this.context.createGain();
    this.output.gain.value = clampVolume(options.outputVolume);
    this.output.connect(this.context.destination);
    this.ready = this.open(options.microphoneId);
  }

  get contextSampleRateHz(): number {
    return this.context.sampleRate;
  }

  play(frame: ArrayBuffer): void {
    this.post({ type: 'frame', bytes: frame }, [frame]);
  }

  flush(): void {
    this.post({ type: 'flush' });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.source?.disconnect();
    this.nodes.forEach((node) => node.disconnect());
    this.context.close().catch((error: unknown) => console.warn('closing the audio context failed', error));
  }

  inputLevel(): number {
    if (!this.source) return 0;
    this.analyser.getFloatTimeDomainData(this.levelSamples);
    let sum = 0;
    for (const sample of this.levelSamples) sum += sample * sample;
    return Math.min(1, Math.sqrt(sum / this.levelSamples.length));
  }

  setOutputVolume(volume: number): void {
    this.output.gain.value = clampVolume(volume);
  }

  async switchMicrophone(deviceId: string | null): Promise<void> {
    if (this.closed || !this.capture) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(micConstraints(deviceId));
    } catch (error) {
      throw microphoneProblem(error);
    }
    if (this.closed || !this.capture) {
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    this.stream?.getTracks().forEach((track) => track.stop());
    this.source?.disconnect();
    this.stream = stream;
    this.connectSource(this.capture);
  }

  private connectSource(capture: AudioWorkletNode): void {
    if (!this.stream) return;
    this.source = this.context.createMediaStreamSource(this.stream);
    this.source.connect(capture);
    this.source.connect(this.analyser);
  }

  private post(command: PlaybackCommand, transfer: Transferable[] = []): void {
    this.playback?.port.postMessage(command, transfer);
  }

  private async open(microphoneId: string | null): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error('This page cannot use the microphone: open it over HTTPS or on localhost.');
    }
    await this.context.resume();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(micConstraints(microphoneId));
    } catch (error) {
      throw microphoneProblem(error);
    }
    await this.context.audioWorklet.addModule(workletUrl);
    if (this.closed) {
      this.stream.getTracks().forEach((track) => track.stop());
      return;
    }
    // Mono in (the browser downmixes); its output is silence, connected so the graph pulls it.
    const capture = new AudioWorkletNode(this.context, 'vb-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
    });
    capture.port.onmessage = (event: MessageEvent<ArrayBuffer>) => this.handlers.onFrame(event.data);
    capture.connect(this.context.destination);
    this.capture = capture;
    this.connectSource(capture);

    this.playback = new AudioWorkletNode(this.context, 'vb-playback', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    this.playback.port.onmessage = (event: MessageEvent<PlaybackStats>) => this.handlers.onStats(event.data);
    this.playback.connect(this.output);
    this.nodes = [capture, this.playback, this.analyser, this.output];
  }
}
