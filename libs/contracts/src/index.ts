export * from './audio';
export * from './errors';
export * from './fleet';
export * from './services';
export * from './subjects';
