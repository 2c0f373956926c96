export * from './action-filter';
export * from './sentence-chunker';
