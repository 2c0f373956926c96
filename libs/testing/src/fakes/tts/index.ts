// Fake TTS providers speaking the real wire protocols (tests and the launcher's --fake-providers mode).
export * from './fake-chatterbox-server';
export * from './fake-openai-speech-server';
export * from './fake-speech-server';
export * from './tone';
