// Fake LLM providers speaking the real wire protocols; real HTTP servers, usable outside jest.
export * from './scripted-http-server';
export * from './fake-openai-compatible-server';
export * from './fake-n8n-server';
