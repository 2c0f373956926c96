// Decorated DTOs below record design types; class-transformer reads them through this polyfill.
import 'reflect-metadata';
export * from './agents';
export * from './audio';
export * from './auth';
export * from './errors';
export * from './fleet';
export * from './services';
export * from './sessions';
export * from './subjects';
export * from './voice';
export * from './voice-socket';
