import {
  BadRequestException,
  Body,
  CallHandler,
  ConflictException,
  Controller,
  Delete,
  ExecutionContext,
  Get,
  HttpCode,
  HttpStatus,
  Injectable,
  NestInterceptor,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  UnprocessableEntityException,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorCode } from '@voxbridge/contracts';
import { catchError, type Observable } from 'rxjs';
import { AgentResponseDto, CreateAgentDto, UpdateAgentDto } from './agent.dto';
import type { AgentView } from './agent.model';
import { AgentsError, AgentsErrorCode } from './agents.errors';
import { AgentsService } from './agents.service';

/** AgentsError → the HTTP error the global filter renders. Exhaustive over AgentsErrorCode. */
export function agentsHttpError(error: AgentsError): Error {
  const body = { message: error.message, ...(error.fields ? { fields: error.fields } : {}) };
  switch (error.code) {
    case AgentsErrorCode.NotFound:
      return new NotFoundException({ code: ErrorCode.NotFound, ...body });
    case AgentsErrorCode.NameTaken:
      return new ConflictException({ code: ErrorCode.Conflict, ...body });
    case AgentsErrorCode.Invalid:
      return new BadRequestException({ code: ErrorCode.ValidationFailed, ...body });
    case AgentsErrorCode.EncryptionKeyMissing:
      return new UnprocessableEntityException({ code: ErrorCode.EncryptionKeyMissing, ...body });
  }
}

@Injectable()
class AgentsErrorInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        throw error instanceof AgentsError ? agentsHttpError(error) : error;
      }),
    );
  }
}

const agentId = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException({ code: ErrorCode.ValidationFailed, message: 'invalid field: id', fields: { id: ['must be a UUID'] } }),
});
const ID_PARAM = { name: 'id', format: 'uuid', description: 'Agent id' } as const;
const BAD_REQUEST = { description: '`validation_failed`: a field is missing, unknown, of the wrong type or out of range (`fields` names it)' };
const UNAUTHORIZED = { description: 'missing or invalid API key' };
const NOT_FOUND = { description: 'no agent with this id' };
const CONFLICT = { description: 'another agent has this name (case-insensitive)' };
const TOO_LARGE = { description: 'request body above HTTP_BODY_LIMIT_KB' };
const NO_KEY = { description: '`encryption_key_missing`: a plugin secret was sent but no encryption key is configured; nothing was stored' };

@ApiTags('agents')
@ApiUnauthorizedResponse(UNAUTHORIZED)
@UseInterceptors(AgentsErrorInterceptor)
@Controller('api/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an agent', description: 'Publishes `agents.v1.evt.agent.created`.' })
  @ApiCreatedResponse({ type: AgentResponseDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiConflictResponse(CONFLICT)
  @ApiPayloadTooLargeResponse(TOO_LARGE)
  @ApiUnprocessableEntityResponse(NO_KEY)
  create(@Body() body: CreateAgentDto): Promise<AgentView> {
    return this.agents.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List agents', description: 'Oldest first; plugin secrets masked.' })
  @ApiOkResponse({ type: [AgentResponseDto] })
  list(): Promise<AgentView[]> {
    return this.agents.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an agent' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id', agentId) id: string): Promise<AgentView> {
    return this.agents.get(id);
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Update an agent (partial)',
    description: 'Only the fields sent change; `null` clears a nullable field. Publishes `agents.v1.evt.agent.updated`.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse(CONFLICT)
  @ApiPayloadTooLargeResponse(TOO_LARGE)
  @ApiUnprocessableEntityResponse(NO_KEY)
  update(@Param('id', agentId) id: string, @Body() body: UpdateAgentDto): Promise<AgentView> {
    return this.agents.update(id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete an agent',
    description: 'Publishes `agents.v1.evt.agent.deleted`: its sessions are deleted and its plugins stopped.',
  })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  delete(@Param('id', agentId) id: string): Promise<void> {
    return this.agents.delete(id);
  }

  @Put(':id/set-default')
  @ApiOperation({ summary: 'Make an agent the default', description: 'Exactly one default remains, also under concurrent calls.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  setDefault(@Param('id', agentId) id: string): Promise<AgentView> {
    return this.agents.setDefault(id);
  }
}
