export * from './describe-service-boot';
export * from './service-harness';
export * from './fake-agent-directory';
