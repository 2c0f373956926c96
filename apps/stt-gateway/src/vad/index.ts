export * from './voice-activity-detector';
export * from './energy-vad';
export * from './end-of-turn-detector';
export * from './pre-roll-buffer';
