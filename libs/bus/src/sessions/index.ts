export { PipelineSession, PipelineSessions, PipelineStageError, type PipelineSessionEvents, type PipelineSessionsOptions } from './pipeline-sessions';
export { SessionHost, type SessionClaim, type SessionHostLogger, type SessionHostOptions, type SessionStopReason } from './session-host';
