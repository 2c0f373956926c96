import { ValidateIf } from 'class-validator';

/**
 * An optional field that may be omitted but not sent as `null` (it has no "unset" state): the
 * other validators of the field then run on `null` and refuse it with a 400 naming the field.
 * `@IsOptional()` would let `null` through to the handler (a 500 or a silent default). Fields whose
 * OpenAPI schema says `nullable: true` keep `@IsOptional()`.
 */
export const OmitOrSet = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);
