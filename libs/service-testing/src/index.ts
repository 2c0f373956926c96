export * from './describe-service-boot';
export * from './service-harness';
