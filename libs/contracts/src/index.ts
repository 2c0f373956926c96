export * from './agents';
export * from './audio';
export * from './errors';
export * from './fleet';
export * from './services';
export * from './sessions';
export * from './subjects';
