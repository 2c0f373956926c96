// Fake STT providers speaking the real wire protocols (usable outside jest).
export * from './fake-whisperx-server';
export * from './fake-openai-transcription-server';
