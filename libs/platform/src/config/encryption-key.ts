import { applyDecorators } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import { Secret } from './secret';

/** `<key id>:<32 bytes in base64>`, e.g. `k20261125:3q2+7w...=` (generate: `npm run secrets -- new-key`). */
const KEY = '[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=';

/** VOXBRIDGE_ENCRYPTION_KEY, as every service that touches plugin secrets reads it: optional, secret, checked. */
export function EncryptionKey(): PropertyDecorator {
  return applyDecorators(Secret(), IsOptional(), Matches(new RegExp(`^${KEY}$`), { message: 'must be <key id>:<32 bytes in base64>' }));
}

/** VOXBRIDGE_ENCRYPTION_OLD_KEYS: earlier keys, comma-separated, still accepted for decryption. */
export function EncryptionOldKeys(): PropertyDecorator {
  return applyDecorators(Secret(), IsOptional(), Matches(new RegExp(`^${KEY}(,${KEY})*$`), { message: 'must be comma-separated <key id>:<32 bytes in base64>' }));
}
