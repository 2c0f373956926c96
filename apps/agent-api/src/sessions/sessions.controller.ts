import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ErrorResponse } from '../http/error-response.dto';
import type { MessageDto, SessionDto, SessionPage } from '@voxbridge/contracts';
import {
  AppendMessageBody,
  CreateSessionBody,
  ExportSessionQuery,
  ListMessagesQuery,
  ListSessionsQuery,
  MessageResponse,
  SessionExportResponse,
  SessionIdParams,
  SessionPageResponse,
  SessionResponse,
  UpdateSessionBody,
} from './sessions.dto';
import { toSessionsHttpError } from './sessions.errors';
import { SessionsService } from './sessions.service';

/** Awaits a service call and rethrows its failure as the HTTP error it stands for. */
async function edge<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw toSessionsHttpError(error);
  }
}

const upstream = [
  ApiResponse({ status: 502, description: 'session-store failed', type: ErrorResponse }),
  ApiResponse({ status: 503, description: 'session-store is unavailable (`unavailable`)', type: ErrorResponse }),
  ApiResponse({ status: 504, description: 'session-store did not answer in time (`timeout`)', type: ErrorResponse }),
];
const invalid = ApiResponse({ status: 400, description: 'invalid input (`validation_failed`, `fields` names each)', type: ErrorResponse });
const missing = ApiResponse({
  status: 404,
  description: 'no session with this id, or (for a `client` key) a session another key created (`not_found`)',
  type: ErrorResponse,
});

function documented(...decorators: Array<MethodDecorator>): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorator of [...decorators, ...upstream]) decorator(target, key, descriptor);
  };
}

@ApiTags('sessions')
@Controller('api/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Start a session with an agent' })
  @ApiResponse({ status: 201, type: SessionResponse })
  @documented(invalid, ApiResponse({ status: 404, description: 'the agent does not exist (`fields.agent_id`)', type: ErrorResponse }))
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateSessionBody): Promise<SessionDto> {
    return edge(this.sessions.create(principal, { ...body }));
  }

  @Get()
  @ApiOperation({ summary: 'List (or search, with `q`) sessions, newest first, one page at a time; sessions without messages only with `include_empty=true`' })
  @ApiResponse({ status: 200, type: SessionPageResponse })
  @documented(invalid)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListSessionsQuery): Promise<SessionPage> {
    return edge(this.sessions.list(principal, { ...query }));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One session' })
  @ApiResponse({ status: 200, type: SessionResponse })
  @documented(invalid, missing)
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: SessionIdParams): Promise<SessionDto> {
    return edge(this.sessions.get(principal, id));
  }

  @Get(':id/export')
  @ApiOperation({ summary: 'Download the whole transcript: `json` (session + messages with timelines) or `text` (`[time] Speaker: text`)' })
  @ApiProduces('application/json', 'text/plain')
  @ApiResponse({ status: 200, type: SessionExportResponse, description: 'An attachment (`Content-Disposition`), `conversation-<id>.json` or `.txt`' })
  @documented(invalid, missing)
  async export(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: SessionIdParams,
    @Query() { format }: ExportSessionQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const file = await edge(this.sessions.export(principal, id, format ?? 'json'));
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    return typeof file.body === 'string' ? file.body : JSON.stringify(file.body, null, 2);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a session, or end it with `active: false`' })
  @ApiResponse({ status: 200, type: SessionResponse })
  @documented(invalid, missing)
  update(@CurrentPrincipal() principal: Principal, @Param() { id }: SessionIdParams, @Body() body: UpdateSessionBody): Promise<SessionDto> {
    return edge(this.sessions.update(principal, { id, ...body }));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a session and its messages' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @documented(invalid, missing)
  delete(@CurrentPrincipal() principal: Principal, @Param() { id }: SessionIdParams): Promise<void> {
    return edge(this.sessions.delete(principal, id));
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'Messages of a session, oldest first' })
  @ApiResponse({ status: 200, type: [MessageResponse] })
  @documented(invalid, missing)
  listMessages(@CurrentPrincipal() principal: Principal, @Param() { id }: SessionIdParams, @Query() query: ListMessagesQuery): Promise<MessageDto[]> {
    return edge(this.sessions.listMessages(principal, { session_id: id, ...query }));
  }

  @Post(':id/messages')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Add a message to a session' })
  @ApiResponse({ status: 201, type: MessageResponse })
  @documented(invalid, missing)
  appendMessage(@CurrentPrincipal() principal: Principal, @Param() { id }: SessionIdParams, @Body() body: AppendMessageBody): Promise<MessageDto> {
    return edge(this.sessions.appendMessage(principal, { session_id: id, ...body }));
  }
}
