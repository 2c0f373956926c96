import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { ErrorCode } from '@voxbridge/contracts';

/** `{ "fallback.0.model": ["must be a string"] }` from class-validator's nested errors. */
export function validationFields(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      fields[path] = Object.entries(error.constraints).map(([rule, text]) =>
        rule === 'whitelistValidation' ? 'is not a known field' : text.replace(new RegExp(`^${error.property} `), ''),
      );
    }
    if (error.children?.length) Object.assign(fields, validationFields(error.children, path));
  }
  return fields;
}

/**
 * The HTTP validation every service uses: unknown fields, wrong types and out-of-range values are
 * a 400 naming each field; handlers receive typed, valid DTO instances.
 */
export function httpValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = validationFields(errors);
      const names = Object.keys(fields);
      return new BadRequestException({
        code: ErrorCode.ValidationFailed,
        message: `invalid ${names.length === 1 ? 'field' : 'fields'}: ${names.join(', ')}`,
        fields,
      });
    },
  });
}
