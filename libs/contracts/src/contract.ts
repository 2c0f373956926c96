import type { Subject } from './subjects';

/**
 * A request/reply call between services: its subject, the classes its request and reply must
 * validate as (both directions are checked), and how long a caller waits. One timeout per
 * contract, so every caller of the same call waits the same.
 */
export interface RequestContract<Req extends object, Res extends object> {
  subject: Subject;
  request: new () => Req;
  reply: new () => Res;
  timeoutMs: number;
}

export function requestContract<Req extends object, Res extends object>(contract: RequestContract<Req, Res>): RequestContract<Req, Res> {
  return contract;
}
