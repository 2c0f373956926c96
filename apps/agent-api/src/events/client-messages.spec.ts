import { parseClientMessage } from './client-messages';

const SESSION = '0B7E4A52-9D0E-4D0B-8F7A-3C2E9A1D5E60';

describe(parseClientMessage.name, () => {
  it('accepts the text ping and the JSON ping', () => {
    expect(parseClientMessage('ping')).toEqual({ ok: true, command: { action: 'ping' } });
    expect(parseClientMessage('{"action":"ping"}')).toEqual({ ok: true, command: { action: 'ping' } });
  });

  it('subscribes to one session or one agent, ids normalised to lower case', () => {
    expect(parseClientMessage(JSON.stringify({ action: 'subscribe', session_id: SESSION }))).toEqual({
      ok: true,
      command: { action: 'subscribe', filter: { kind: 'session', session_id: SESSION.toLowerCase() } },
    });
    expect(parseClientMessage(JSON.stringify({ action: 'subscribe', agent_id: SESSION }))).toMatchObject({
      ok: true,
      command: { filter: { kind: 'agent', agent_id: SESSION.toLowerCase() } },
    });
    expect(parseClientMessage('{"action":"unsubscribe"}')).toEqual({ ok: true, command: { action: 'unsubscribe' } });
  });

  it.each([
    ['not json', 'message must be JSON or the text "ping"'],
    ['[1]', 'message must be a JSON object'],
    ['{"action":"dance"}', 'action must be one of ping, subscribe, unsubscribe'],
    ['{"action":"subscribe"}', 'subscribe needs exactly one of session_id, agent_id'],
    [JSON.stringify({ action: 'subscribe', session_id: SESSION, agent_id: SESSION }), 'subscribe needs exactly one of session_id, agent_id'],
    ['{"action":"subscribe","session_id":"vb.>"}', 'session_id must be a UUID'],
    ['{"action":"subscribe","agent_id":42}', 'agent_id must be a UUID'],
    ['{"action":"ping","extra":1}', 'unknown fields: extra'],
  ])('refuses %s naming the problem', (text, message) => {
    expect(parseClientMessage(text)).toEqual({ ok: false, error: { code: 'validation_failed', message } });
  });
});
