import { IsString, IsUrl } from 'class-validator';
import { definePlugin } from './plugin';
import { hostPlugin } from './plugin-host';
import type { ChildToSupervisor, SupervisorToChild } from './plugin-ipc';

class Config {
  @IsUrl({ require_tld: false }) url!: string;
  @IsString() label!: string;
}

const seen: string[] = [];
const example = definePlugin({
  type: 'example',
  configSchema: Config,
  secretFields: ['url'],
  validate: (config): Record<string, string[]> => (config.label === 'reserved' ? { label: ['is reserved'] } : {}),
  create(config, context) {
    return {
      start: () => context.reportHealth({ state: 'ok', counters: { started: 1 } }),
      onUserMessage: (message) => void seen.push(`${context.agentName}:${config.label}:${message.text}`),
      onAgentResponse: () => {
        throw new Error('boom');
      },
    };
  },
});

/** The supervisor's end of the IPC channel, in memory. */
function channel() {
  const sent: ChildToSupervisor[] = [];
  const listeners: Record<string, (message?: unknown) => void> = {};
  const exits: number[] = [];
  const sut = {
    send: (message: ChildToSupervisor) => sent.push(message),
    on: (event: string, listener: (message?: unknown) => void) => void (listeners[event] = listener),
  };
  hostPlugin(sut, () => ({ default: example }), (code) => exits.push(code));
  const deliver = async (message: SupervisorToChild) => {
    listeners['message']?.(message);
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { sent, deliver, exits };
}

const init = (config: Record<string, unknown>): SupervisorToChild => ({ kind: 'init', modulePath: 'x', agentId: 'a', agentName: 'Helper', pluginType: 'example', config });

describe(hostPlugin.name, () => {
  it('validates the config, starts the plugin, runs its hooks and reports errors per hook', async () => {
    const { sent, deliver } = channel();

    await deliver(init({ url: 'http://hook.local/x', label: 'ops', extra: 'dropped' }));
    await deliver({ kind: 'hook', id: 1, hook: 'onUserMessage', payload: { text: 'hello' } });
    await deliver({ kind: 'hook', id: 2, hook: 'onAgentResponse', payload: { text: 'hi' } });
    await deliver({ kind: 'hook', id: 3, hook: 'onSessionEnd', payload: {} });

    expect(sent).toEqual([
      { kind: 'health', report: { state: 'ok', counters: { started: 1 } } },
      { kind: 'started' },
      { kind: 'hook_done', id: 1 },
      { kind: 'hook_done', id: 2, error: 'boom' },
      { kind: 'hook_done', id: 3 },
    ]);
    expect(seen).toEqual(['Helper:ops:hello']);
  });

  it('refuses an invalid config by field, fatally, without creating the plugin', async () => {
    const { sent, deliver } = channel();

    await deliver(init({ url: 'not a url', label: 'reserved' }));
    await deliver(init({ url: 'http://ok.local', label: 'reserved' }));

    expect(seen).toEqual(['Helper:ops:hello']);
    expect(sent).toEqual([
      { kind: 'start_failed', message: 'plugin config is invalid', fatal: true, fields: { url: [expect.stringContaining('URL')] } },
      { kind: 'start_failed', message: 'plugin config is invalid', fatal: true, fields: { label: ['is reserved'] } },
    ]);
  });

  it('stops the plugin and exits on `stop`', async () => {
    const { sent, deliver, exits } = channel();
    await deliver(init({ url: 'http://hook.local', label: 'x' }));

    await deliver({ kind: 'stop' });

    expect(sent.at(-1)).toEqual({ kind: 'stopped' });
    expect(exits).toEqual([0]);
  });
});
