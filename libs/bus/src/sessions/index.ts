export { PipelineSession, PipelineSessions, PipelineStageError, type PipelineSessionEvents, type PipelineSessionsOptions } from './pipeline-sessions';
export { leaseBucketName, SessionHost, type SessionClaim, type SessionHostLogger, type SessionHostOptions, type SessionStopReason } from './session-host';
export { LeasedWork, type LeasedWorkOptions } from './leased-work';
export { SessionLeases } from './session-leases';
