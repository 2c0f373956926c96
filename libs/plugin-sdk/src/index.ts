export {
  decryptField,
  encryptField,
  generateEncryptionKey,
  isEncryptedField,
  KeyRing,
  parseEncryptionKey,
  type EncryptedField,
  type EncryptionKey,
  type FieldLocation,
} from './field-crypto';
export {
  isMaskedSecret,
  isPlainObject,
  isPluginType,
  MAX_SECRET_LENGTH,
  PLUGIN_SECRET_FIELDS,
  PLUGIN_TYPES,
  pluginsProblems,
  secretFieldsOf,
  type MaskedSecret,
  type PluginConfig,
  type PluginsConfig,
  type PluginType,
} from './plugin-registry';
export {
  LAST4_MIN_LENGTH,
  maskPlugins,
  maskSecret,
  reencryptPlugins,
  revealPlugins,
  sealPlugins,
  type ReencryptCounts,
  type ReencryptResult,
} from './plugin-secrets';
export { PluginSecretsError, PluginSecretsErrorCode } from './plugin-secrets.errors';
