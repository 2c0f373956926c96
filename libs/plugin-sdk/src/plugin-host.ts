import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { pluginDefinitionOf, type PluginContext, type PluginDefinition, type PluginInstance, type PluginLogger } from './plugin';
import type { ChildToSupervisor, SupervisorToChild } from './plugin-ipc';

/** The process side of the IPC channel (a forked child's `process`). */
export interface PluginHostChannel {
  send?(message: ChildToSupervisor): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

function flatten(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    const path = `${prefix}${error.property}`;
    if (error.constraints) out[path] = Object.values(error.constraints);
    Object.assign(out, flatten(error.children ?? [], `${path}.`));
  }
  return out;
}

/** The config as the plugin's schema reads it (unknown fields stripped), or the problems by field. */
export function validatePluginConfig<C extends object>(definition: PluginDefinition<C>, raw: Record<string, unknown>): { ok: true; config: C } | { ok: false; fields: Record<string, string[]> } {
  const config = plainToInstance(definition.configSchema, raw);
  const fields = flatten(validateSync(config, { whitelist: true, forbidUnknownValues: false }));
  if (Object.keys(fields).length === 0) Object.assign(fields, definition.validate?.(config) ?? {});
  return Object.keys(fields).length === 0 ? { ok: true, config } : { ok: false, fields };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one plugin in this process, driven by the supervisor over IPC: `init` loads the module,
 * validates the config, creates the instance, initializes and starts it; `hook` runs one hook;
 * `stop` stops it and exits. plugin-supervisor's child entry calls this; a plugin author's tests can
 * too (with a fake channel).
 */
export function hostPlugin(channel: PluginHostChannel, load: (modulePath: string) => unknown, exit: (code: number) => void): void {
  let instance: PluginInstance | undefined;
  const send = (msg: ChildToSupervisor) => channel.send?.(msg);
  const logger: PluginLogger = {
    debug: (msg, fields) => send({ kind: 'log', level: 'debug', msg, ...(fields ? { fields } : {}) }),
    info: (msg, fields) => send({ kind: 'log', level: 'info', msg, ...(fields ? { fields } : {}) }),
    warn: (msg, fields) => send({ kind: 'log', level: 'warn', msg, ...(fields ? { fields } : {}) }),
    error: (msg, fields) => send({ kind: 'log', level: 'error', msg, ...(fields ? { fields } : {}) }),
  };

  const init = async (msg: Extract<SupervisorToChild, { kind: 'init' }>) => {
    let definition: PluginDefinition | string;
    try {
      definition = pluginDefinitionOf(load(msg.modulePath));
    } catch (error) {
      send({ kind: 'start_failed', message: `plugin module could not be loaded: ${message(error)}`, fatal: true });
      return;
    }
    if (typeof definition === 'string') {
      send({ kind: 'start_failed', message: definition, fatal: true });
      return;
    }
    const checked = validatePluginConfig(definition, msg.config);
    if (!checked.ok) {
      send({ kind: 'start_failed', message: 'plugin config is invalid', fields: checked.fields, fatal: true });
      return;
    }
    const context: PluginContext = {
      agentId: msg.agentId,
      agentName: msg.agentName,
      pluginType: msg.pluginType,
      logger,
      reportHealth: (report) => send({ kind: 'health', report }),
    };
    try {
      instance = definition.create(checked.config, context);
      await instance.initialize?.();
      await instance.start?.();
      send({ kind: 'started' });
    } catch (error) {
      send({ kind: 'start_failed', message: `plugin did not start: ${message(error)}`, fatal: false });
    }
  };

  const hook = async (msg: Extract<SupervisorToChild, { kind: 'hook' }>) => {
    try {
      const fn = instance?.[msg.hook] as ((payload: unknown) => unknown) | undefined;
      if (fn) await fn.call(instance, msg.payload);
      send({ kind: 'hook_done', id: msg.id });
    } catch (error) {
      send({ kind: 'hook_done', id: msg.id, error: message(error) });
    }
  };

  const stop = async () => {
    try {
      await instance?.stop?.();
    } catch (error) {
      logger.warn('plugin stop failed', { error: message(error) });
    }
    send({ kind: 'stopped' });
    exit(0);
  };

  channel.on('message', (raw) => {
    const msg = raw as SupervisorToChild;
    if (msg?.kind === 'init') void init(msg);
    else if (msg?.kind === 'hook') void hook(msg);
    else if (msg?.kind === 'stop') void stop();
  });
  // The supervisor is gone: nothing may outlive it.
  channel.on('disconnect', () => exit(0));
}
