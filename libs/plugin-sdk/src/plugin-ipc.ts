import type { PluginHealthReport, PluginHookName } from './plugin';

/**
 * The IPC channel between plugin-supervisor and one plugin child (`child_process.fork`). The
 * config travels here with its secrets in clear: a pipe between two processes of one host, never
 * the bus, never a log.
 */
export type SupervisorToChild =
  | { kind: 'init'; modulePath: string; agentId: string; agentName: string; pluginType: string; config: Record<string, unknown> }
  | { kind: 'hook'; id: number; hook: PluginHookName; payload: unknown }
  | { kind: 'stop' };

export type ChildToSupervisor =
  /** The definition loaded, the config validated, initialize and start resolved. */
  | { kind: 'started' }
  /** Loading, validation, initialize or start failed: the run ends without restarts when `fatal`. */
  | { kind: 'start_failed'; message: string; fields?: Record<string, string[]>; fatal: boolean }
  | { kind: 'hook_done'; id: number; error?: string }
  | { kind: 'health'; report: PluginHealthReport }
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { kind: 'stopped' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A message from the child, or undefined for anything malformed (a plugin may write to the channel itself). */
export function parseChildMessage(value: unknown): ChildToSupervisor | undefined {
  if (!isObject(value) || typeof value['kind'] !== 'string') return undefined;
  switch (value['kind']) {
    case 'started':
    case 'stopped':
      return { kind: value['kind'] };
    case 'start_failed':
      return typeof value['message'] === 'string'
        ? { kind: 'start_failed', message: value['message'], fatal: value['fatal'] === true, ...(isObject(value['fields']) ? { fields: value['fields'] as Record<string, string[]> } : {}) }
        : undefined;
    case 'hook_done':
      return typeof value['id'] === 'number' ? { kind: 'hook_done', id: value['id'], ...(typeof value['error'] === 'string' ? { error: value['error'] } : {}) } : undefined;
    case 'health': {
      const report = value['report'];
      if (!isObject(report) || !['ok', 'degraded', 'failing'].includes(String(report['state']))) return undefined;
      return { kind: 'health', report: report as unknown as PluginHealthReport };
    }
    case 'log': {
      const level = value['level'];
      if (level !== 'debug' && level !== 'info' && level !== 'warn' && level !== 'error') return undefined;
      if (typeof value['msg'] !== 'string') return undefined;
      return { kind: 'log', level, msg: value['msg'].slice(0, 200), ...(isObject(value['fields']) ? { fields: value['fields'] } : {}) };
    }
    default:
      return undefined;
  }
}
