export {
  AUDIO_IN_FRAME_BYTES,
  AUDIO_IN_SAMPLE_RATE_HZ,
  AUDIO_OUT_FRAME_BYTES,
  AUDIO_OUT_SAMPLE_RATE_HZ,
  BYTES_PER_SAMPLE,
  FRAME_DURATION_MS,
  frameBytes,
  frameSamples,
} from '@voxbridge/contracts';
export * from './framer';
export * from './pcm16';
export * from './resample';
export * from './wav';
