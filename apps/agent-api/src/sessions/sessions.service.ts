import { Injectable } from '@nestjs/common';
import {
  ErrorCode,
  SessionSubjects,
  type AppendMessageRequest,
  type CreateSessionRequest,
  type ListMessagesRequest,
  type ListSessionsRequest,
  type MessageDto,
  type SessionDto,
  type SessionPage,
  type UpdateSessionRequest,
} from '@voxbridge/contracts';
import { AgentDirectory } from './agent-directory';
import { SessionStoreClient } from './session-store.client';
import { SessionsError } from './sessions.errors';

/** Drops absent optional fields: session-store's contract refuses nothing but it forbids unknown keys. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Sessions and their messages, kept by session-store; agent-api checks what only it knows (agents). */
@Injectable()
export class SessionsService {
  constructor(
    private readonly store: SessionStoreClient,
    private readonly agents: AgentDirectory,
  ) {}

  async create(request: CreateSessionRequest): Promise<SessionDto> {
    if (!(await this.agents.exists(request.agent_id))) {
      throw new SessionsError(ErrorCode.NotFound, 'agent_id: no such agent', { agent_id: ['no agent with this id'] });
    }
    return this.store.request<SessionDto>(SessionSubjects.create, defined(request));
  }

  list(request: ListSessionsRequest): Promise<SessionPage> {
    return this.store.request<SessionPage>(SessionSubjects.list, defined(request));
  }

  get(id: string): Promise<SessionDto> {
    return this.store.request<SessionDto>(SessionSubjects.get, { id });
  }

  update(request: UpdateSessionRequest): Promise<SessionDto> {
    return this.store.request<SessionDto>(SessionSubjects.update, defined(request));
  }

  async delete(id: string): Promise<void> {
    await this.store.request<object>(SessionSubjects.delete, { id });
  }

  async listMessages(request: ListMessagesRequest): Promise<MessageDto[]> {
    return this.store.request<MessageDto[]>(SessionSubjects.listMessages, defined(request));
  }

  appendMessage(request: AppendMessageRequest): Promise<MessageDto> {
    return this.store.request<MessageDto>(SessionSubjects.appendMessage, defined(request));
  }
}
