import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsString, Length, Matches, Max, Min } from 'class-validator';
import { OmitOrSet } from '../http/omit-or-set';
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

  @ApiPropertyOptional({
    minimum: 0.001,
    maximum: 100_000,
    example: 5,
    description: "This key's steady rate in requests per second (a fraction is fine: 0.5 = one every 2 s). Default: the fleet's RATE_LIMIT_PER_SECOND",
  })
  @OmitOrSet()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(100_000)
  rate_limit_per_second?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100_000, example: 20, description: "How many requests this key may make at once. Default: the fleet's RATE_LIMIT_BURST" })
  @OmitOrSet()
  @IsInt()
  @Min(1)
  @Max(100_000)
  rate_limit_burst?: number;
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role!: ApiKeyRole;
  @ApiProperty({ description: 'First 8 characters after `vbk_`, to tell keys apart', example: 'Q2x1ZGVf' }) prefix!: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: "The key's own rate (requests/s); null: the fleet's" }) rate_limit_per_second!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: "The key's own burst; null: the fleet's" }) rate_limit_burst!: number | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'Updated at most once a minute' }) last_used_at!: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) revoked_at!: string | null;

  static of(metadata: ApiKeyMetadata): ApiKeyView {
    return {
      id: metadata.id,
      name: metadata.name,
      role: metadata.role,
      prefix: metadata.prefix,
      rate_limit_per_second: metadata.rateLimit.perSecond,
      rate_limit_burst: metadata.rateLimit.burst,
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
