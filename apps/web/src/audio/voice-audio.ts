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
}

const MIC_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
};

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
  private nodes: AudioNode[] = [];
  private playback: AudioWorkletNode | null = null;
  private closed = false;

  constructor(private readonly handlers: VoiceAudioHandlers) {
    this.ready = this.open();
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
    this.nodes.forEach((node) => node.disconnect());
    this.context.close().catch((error: unknown) => console.warn('closing the audio context failed', error));
  }

  private post(command: PlaybackCommand, transfer: Transferable[] = []): void {
    this.playback?.port.postMessage(command, transfer);
  }

  private async open(): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error('This page cannot use the microphone: open it over HTTPS or on localhost.');
    }
    await this.context.resume();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
    } catch (error) {
      throw microphoneProblem(error);
    }
    await this.context.audioWorklet.addModule(workletUrl);
    if (this.closed) {
      this.stream.getTracks().forEach((track) => track.stop());
      return;
    }
    const source = this.context.createMediaStreamSource(this.stream);
    // Mono in (the browser downmixes); its output is silence, connected so the graph pulls it.
    const capture = new AudioWorkletNode(this.context, 'vb-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
    });
    capture.port.onmessage = (event: MessageEvent<ArrayBuffer>) => this.handlers.onFrame(event.data);
    source.connect(capture).connect(this.context.destination);

    this.playback = new AudioWorkletNode(this.context, 'vb-playback', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    this.playback.port.onmessage = (event: MessageEvent<PlaybackStats>) => this.handlers.onStats(event.data);
    this.playback.connect(this.context.destination);
    this.nodes = [source, capture, this.playback];
  }
}
