import { parseAgentVoice } from './agent-voice';
import { SessionsErrorCode } from './sessions.errors';

describe(parseAgentVoice.name, () => {
  it("maps an AgentDto's voice fields to provider voice parameters, leaving unset ones out", () => {
    const sut = parseAgentVoice('a1', {
      name: 'ignored',
      tts_provider: 'chatterbox',
      tts_voice: 'narrator',
      tts_exaggeration: 1.4,
      tts_cfg_weight: 0.35,
      tts_temperature: 0.8,
      tts_language: 'de',
      tts_speed: null,
      filter_actions_for_tts: true,
    });
    expect(sut).toEqual({
      agentId: 'a1',
      provider: 'chatterbox',
      voice: { voice: 'narrator', exaggeration: 1.4, cfgWeight: 0.35, temperature: 0.8, language: 'de' },
      filterActions: true,
    });
  });

  it('refuses an agent without a provider or with a wrongly typed field, naming the field', () => {
    expect(() => parseAgentVoice('a1', { tts_voice: 'x' })).toThrow(expect.objectContaining({ code: SessionsErrorCode.AgentInvalid, message: expect.stringContaining('tts_provider') }));
    expect(() => parseAgentVoice('a1', { tts_provider: 'local', tts_speed: 'fast' })).toThrow(expect.objectContaining({ message: expect.stringContaining('tts_speed') }));
  });
});
