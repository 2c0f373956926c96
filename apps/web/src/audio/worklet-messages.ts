/** Messages between the page and the `vb-playback` worklet (the capture worklet posts bare ArrayBuffers). */
export type PlaybackCommand = { type: 'frame'; bytes: ArrayBuffer } | { type: 'flush' };

/** Cumulative counters of one playback worklet. */
export interface PlaybackStats {
  type: 'stats';
  framesPlayed: number;
  framesDropped: number;
  framesBuffered: number;
  playing: boolean;
}
