export type { MsgHdrs, NatsConnection } from 'nats';
export { Bus, type BusOptions, type BusSubscription, type GatherOptions, type JsonContext } from './bus';
export {
  BusError,
  BusNoRespondersError,
  BusRemoteError,
  BusTimeoutError,
  BusValidationError,
  ERROR_HEADER,
  isErrorCode,
  toErrorReply,
  type ErrorReply,
} from './errors';
export { decodeFrameHeaders, encodeFrameHeaders, type Frame, type FrameMeta } from './frames';
export type { ConsumeDurableOptions, DurableConsumer, DurableHandler, PublishAck } from './jetstream';
export { SessionLeases, type ClaimResult, type SessionLeasesOptions } from './session-leases';
export { decodeJson, validateAs, type Decoded } from './json';
export type { BusLogger } from './logger';
