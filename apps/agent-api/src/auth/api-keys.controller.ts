import { BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@voxbridge/contracts';
import { ApiKeyService } from './api-key.service';
import { ErrorResponse } from '../http/error-response.dto';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKeyView } from './api-keys.dto';
import { Roles } from './auth.decorators';
import { AuthError, AuthErrorCode } from './auth.errors';

const idPipe = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException({ code: ErrorCode.ValidationFailed, message: 'invalid field: id', fields: { id: ['must be a UUID'] } }),
});

function httpError(error: unknown): unknown {
  if (!(error instanceof AuthError)) return error;
  switch (error.code) {
    case AuthErrorCode.KeyNotFound:
      return new NotFoundException({ code: ErrorCode.NotFound, message: error.message });
    case AuthErrorCode.LastAdminKey:
      return new ConflictException({ code: ErrorCode.Conflict, message: error.message });
  }
}

const unauthorized = { status: 401, description: 'No, unknown or revoked API key', type: ErrorResponse };
const forbidden = { status: 403, description: 'The key is not an admin key', type: ErrorResponse };
const rateLimited = { status: 429, description: 'Too many requests for this key (see Retry-After)', type: ErrorResponse };

@ApiTags('keys')
@ApiBearerAuth('bearer')
@Roles('admin')
@Controller('api/keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key', description: 'The key is in the response once and never again; only its sha256 is stored.' })
  @ApiResponse({ status: 201, type: CreatedApiKeyView, description: 'The new key, shown once, and its metadata' })
  @ApiResponse({ status: 400, description: 'Invalid body (the fields are named)', type: ErrorResponse })
  @ApiResponse(unauthorized)
  @ApiResponse(forbidden)
  @ApiResponse(rateLimited)
  async create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    const { key, metadata } = await this.keys.create(body.name, body.role, { perSecond: body.rate_limit_per_second ?? null, burst: body.rate_limit_burst ?? null });
    return { ...ApiKeyView.of(metadata), key };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys', description: 'Metadata only (revoked keys included): never a key or its hash.' })
  @ApiResponse({ status: 200, type: [ApiKeyView] })
  @ApiResponse(unauthorized)
  @ApiResponse(forbidden)
  @ApiResponse(rateLimited)
  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.list()).map((metadata) => ApiKeyView.of(metadata));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Refused at once on this replica, within 10 s on the others. Revoking a revoked key is a no-op; the last active admin key cannot be revoked (409).',
  })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ status: 400, description: 'id is not a UUID', type: ErrorResponse })
  @ApiResponse(unauthorized)
  @ApiResponse(forbidden)
  @ApiResponse({ status: 404, description: 'No such key', type: ErrorResponse })
  @ApiResponse({ status: 409, description: 'The last active admin key', type: ErrorResponse })
  @ApiResponse(rateLimited)
  async revoke(@Param('id', idPipe) id: string): Promise<void> {
    try {
      await this.keys.revoke(id);
    } catch (error) {
      throw httpError(error);
    }
  }
}
