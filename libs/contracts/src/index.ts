// Decorated DTOs below record design types; class-transformer reads them through this polyfill.
import 'reflect-metadata';
export * from './agents';
export * from './audio';
export * from './auth';
export * from './bus';
export * from './contract';
export * from './errors';
export * from './fleet';
export * from './routes';
export * from './services';
export * from './sessions';
export * from './subjects';
export * from './timeline';
export * from './turn-facts';
export * from './voice';
export * from './voice-sessions';
export * from './voice-socket';
