import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { API_KEY_ROLES, type ApiKeyMetadata, type ApiKeyRole } from './principal';

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'dashboard' })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'must not be blank' })
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES, description: '`admin` may also manage keys; `client` may use the rest of the API' })
  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role!: ApiKeyRole;
  @ApiProperty({ description: 'First 8 characters after `vbk_`, to tell keys apart', example: 'Q2x1ZGVf' }) prefix!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'Updated at most once a minute' }) last_used_at!: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) revoked_at!: string | null;

  static of(metadata: ApiKeyMetadata): ApiKeyView {
    return {
      id: metadata.id,
      name: metadata.name,
      role: metadata.role,
      prefix: metadata.prefix,
      created_at: metadata.createdAt.toISOString(),
      last_used_at: metadata.lastUsedAt?.toISOString() ?? null,
      revoked_at: metadata.revokedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'The key. Shown only in this response: store it now.', example: 'vbk_Q2x1ZGVf...' })
  key!: string;
}
