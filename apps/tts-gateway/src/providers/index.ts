export * from './chatterbox.provider';
export * from './local-tts-engine';
export * from './local-tts.provider';
export * from './openai-speech.provider';
export * from './provider-url';
export * from './tts-provider';
export * from './tts-provider.errors';
