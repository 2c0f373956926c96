import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '@voxbridge/contracts';

class ErrorDetail {
  @ApiProperty({ enum: ErrorCode, example: ErrorCode.NotFound }) code!: ErrorCode;
  @ApiProperty({ example: 'session 0b7e4a52-… not found' }) message!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: { temperature: ['must not be greater than 2'] },
    description: 'for `validation_failed`: each bad field and what is wrong with it',
  })
  fields?: Record<string, string[]>;
  @ApiProperty({ description: 'also in the X-Request-Id header; quote it when reporting a problem' }) request_id!: string;
}

/** The fleet's one error shape, `{error: {code, message, fields?, request_id}}`, for the OpenAPI document. */
export class ErrorResponse {
  @ApiProperty({ type: ErrorDetail }) error!: ErrorDetail;
}
