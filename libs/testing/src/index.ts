export * from './expect-eventually';
export * from './infra';
export * from './ports';
export * from './test-env';
export * from './subject-tap';
export * from './fakes/llm';
export * from './fakes/stt';
export * from './fakes/tts';
