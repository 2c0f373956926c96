export * from './stt-provider';
export * from './stt.errors';
export { whisperLanguage } from './batch-stt-stream';
export * from './whisperx.provider';
export * from './openai-compatible.provider';
export * from './pocketsphinx.provider';
export * from './stt-provider-registry';
