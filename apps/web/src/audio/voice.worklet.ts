/**
 * The two AudioWorklet processors of the Talk page, bundled by Vite (`?worker&url`) together with
 * the pure modules they run:
 * - `vb-capture`: microphone blocks → 640-byte PCM16 LE 16 kHz frames, posted to the page;
 * - `vb-playback`: 960-byte PCM16 LE 24 kHz frames from the page → speaker, through a jitter
 *   buffer that `flush` empties at once (barge-in).
 */
import { JitterBuffer } from './jitter-buffer';
import { CaptureEncoder, FRAME_MS, PlaybackDecoder } from './pcm';
import type { PlaybackCommand, PlaybackStats } from './worklet-messages';

// Globals of the AudioWorkletGlobalScope (not in TypeScript's DOM lib).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

type Channels = Float32Array[][];

/** Start after 3 frames (60 ms); play a shorter tail once it has waited as long. */
const START_FRAMES = 3;
/** Render quanta between two stats messages (~50 ms at 48 kHz). */
const STATS_EVERY_QUANTA = 20;

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly encoder = new CaptureEncoder(sampleRate);

  process(inputs: Channels): boolean {
    const channel = inputs[0]?.[0];
    if (channel) {
      for (const frame of this.encoder.push(channel)) this.port.postMessage(frame, [frame]);
    }
    return true;
  }
}

class PlaybackProcessor extends AudioWorkletProcessor {
  private readonly decoder = new PlaybackDecoder(sampleRate);
  private readonly buffer = new JitterBuffer({
    startFrames: START_FRAMES,
    maxWaitSamples: (sampleRate * FRAME_MS * START_FRAMES) / 1000,
  });
  private quanta = 0;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<PlaybackCommand>) => {
      const command = event.data;
      if (command.type === 'frame') {
        this.buffer.push(this.decoder.decode(command.bytes));
      } else {
        this.buffer.flush();
        this.decoder.reset();
        this.postStats();
      }
    };
  }

  process(_inputs: Channels, outputs: Channels): boolean {
    const output = outputs[0];
    const first = output?.[0];
    if (output && first) {
      this.buffer.pull(first);
      for (let c = 1; c < output.length; c++) output[c]?.set(first);
    }
    if (++this.quanta % STATS_EVERY_QUANTA === 0) this.postStats();
    return true;
  }

  private postStats(): void {
    const stats: PlaybackStats = {
      type: 'stats',
      framesPlayed: this.buffer.framesPlayed,
      framesDropped: this.buffer.framesDropped,
      framesBuffered: this.buffer.bufferedFrames,
      playing: this.buffer.isPlaying,
    };
    this.port.postMessage(stats);
  }
}

registerProcessor('vb-capture', CaptureProcessor);
registerProcessor('vb-playback', PlaybackProcessor);
