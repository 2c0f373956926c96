import { parseVoiceQuery } from './voice-query';

const AGENT = '0B7E4A52-9D0E-4D0B-8F7A-3C2E9A1D5E60';
const SESSION = '11111111-1111-4111-8111-111111111111';

describe(parseVoiceQuery.name, () => {
  it('takes the credential from the token parameter and lower-cases the ids', () => {
    expect(parseVoiceQuery(`/ws/voice?agent_id=${AGENT}&session_id=${SESSION.toUpperCase()}&token=vbt_abc`, undefined)).toEqual({
      ok: true,
      query: { agentId: AGENT.toLowerCase(), sessionId: SESSION, credential: 'vbt_abc' },
    });
  });

  it('prefers the Authorization header and leaves session_id out when absent', () => {
    expect(parseVoiceQuery(`/ws/voice?agent_id=${AGENT}&token=vbt_query`, 'Bearer vbk_header')).toEqual({
      ok: true,
      query: { agentId: AGENT.toLowerCase(), credential: 'vbk_header' },
    });
  });

  it.each([
    [`/ws/voice?agent_id=${AGENT}`, undefined, 'unauthorized', 'needs ?token=<voice token or API key> or Authorization: Bearer'],
    [`/ws/voice?agent_id=${AGENT}&token=`, 'Basic abc', 'unauthorized', 'needs ?token=<voice token or API key> or Authorization: Bearer'],
    ['/ws/voice?token=t', undefined, 'bad_request', 'agent_id is required'],
    ['/ws/voice?token=t&agent_id=vb.>', undefined, 'bad_request', 'agent_id must be a UUID'],
    [`/ws/voice?token=t&agent_id=${AGENT}&session_id=42`, undefined, 'bad_request', 'session_id must be a UUID'],
  ])('refuses %s naming the problem', (url, authorization, problem, reason) => {
    expect(parseVoiceQuery(url, authorization)).toEqual({ ok: false, problem, reason });
  });

  it('never echoes the credential in a refusal', () => {
    const parsed = parseVoiceQuery('/ws/voice?token=vbk_secret&agent_id=nope', undefined);
    expect(JSON.stringify(parsed)).not.toContain('vbk_secret');
  });
});
