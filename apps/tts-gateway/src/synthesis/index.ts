export * from './spoken-text-timeline';
export * from './synthesis-pipeline';
