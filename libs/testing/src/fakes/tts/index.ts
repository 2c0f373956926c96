// Fake TTS providers speaking the real wire protocols (filled in by the voice-pipeline work).
export {};
