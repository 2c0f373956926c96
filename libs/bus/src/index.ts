export type { MsgHdrs, NatsConnection } from 'nats';
export { AGENT_CACHE_DEFAULTS, AgentCache, type AgentCacheOptions } from './agent-cache';
export { Bus, type BusOptions, type BusSubscription, type GatherOptions, type JsonContext } from './bus';
export {
  BusError,
  BusNoRespondersError,
  BusRemoteError,
  BusTimeoutError,
  BusValidationError,
  callFailureFields,
  describeCallFailure,
  ERROR_HEADER,
  isErrorCode,
  toErrorReply,
  type ErrorReply,
} from './errors';
export { decodeFrameHeaders, encodeFrameHeaders, type Frame, type FrameMeta } from './frames';
export { DEAD_LETTER_HEADERS, type ConsumeDurableOptions, type DeadLetter, type DurableConsumer, type DurableHandler, type PublishAck } from './jetstream';
export * from './sessions';
export { DurablePublisher, type DurablePublisherOptions } from './durable-publisher';
export { decodeJson, validateAs, type Decoded } from './json';
export type { BusLogger } from './logger';
