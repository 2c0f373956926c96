import { IsObject, IsOptional, IsUUID } from 'class-validator';
import { controlSubject, eventSubject } from './subjects';

/** agent-api's contract on the bus. Agent events are durable (JetStream stream of domain `agents`). */
export const AgentSubjects = {
  get: controlSubject('agents', 'agent', 'get'),
  created: eventSubject('agents', 'agent', 'created'),
  updated: eventSubject('agents', 'agent', 'updated'),
  deleted: eventSubject('agents', 'agent', 'deleted'),
} as const;

/**
 * `agent_created` / `agent_updated` carry the agent as the API returns it (secrets masked);
 * `agent_deleted` carries only the id.
 */
export class AgentEvent {
  @IsUUID() id!: string;
  /** The agent as returned by `GET /api/agents/:id` (absent on delete). */
  @IsOptional() @IsObject() agent?: Record<string, unknown>;
}

export class AgentIdRequest {
  @IsUUID() id!: string;
}
