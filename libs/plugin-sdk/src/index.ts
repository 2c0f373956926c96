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
export {
  definePlugin,
  pluginDefinitionOf,
  PLUGIN_HEALTH_STATES,
  PLUGIN_HOOKS,
  type PluginContext,
  type PluginDefinition,
  type PluginHealthReport,
  type PluginHealthState,
  type PluginHookName,
  type PluginHooks,
  type PluginInstance,
  type PluginLogger,
  type PluginMessage,
  type PluginSessionInfo,
} from './plugin';
export { parseChildMessage, type ChildToSupervisor, type SupervisorToChild } from './plugin-ipc';
export { hostPlugin, validatePluginConfig, type PluginHostChannel } from './plugin-host';
