import { validateAs } from '@voxbridge/bus';
import { AgentReply } from '@voxbridge/contracts';
import { agentDto } from '@voxbridge/service-testing';
import { agentVoiceOf } from './agent-voice';

describe(agentVoiceOf.name, () => {
  it("maps an agent's voice fields to provider voice parameters, leaving unset text ones out", () => {
    const agent = agentDto({
      id: '6a1f5e0e-6f7c-4a47-9e39-7a4f1c2b9d10',
      tts_provider: 'chatterbox',
      tts_voice: 'narrator',
      tts_exaggeration: 1.4,
      tts_cfg_weight: 0.35,
      tts_temperature: 0.8,
      tts_language: 'de',
      tts_speed: 1,
      filter_actions_for_tts: true,
    });
    expect(agentVoiceOf(agent)).toEqual({
      agentId: agent.id,
      provider: 'chatterbox',
      voice: { voice: 'narrator', exaggeration: 1.4, cfgWeight: 0.35, temperature: 0.8, language: 'de', speed: 1 },
      filterActions: true,
    });
    expect(agentVoiceOf({ ...agent, tts_voice: null }).voice).not.toHaveProperty('voice');
  });
});

describe('AgentReply (what the pipeline accepts from agent-api)', () => {
  it('refuses an agent without a provider or with a wrongly typed field, naming the field', () => {
    const { tts_provider: _dropped, ...withoutProvider } = agentDto();
    const missing = validateAs(withoutProvider, AgentReply, 'strip');
    expect(missing.ok ? [] : Object.keys(missing.fields)).toEqual(['tts_provider']);
    const wrong = validateAs({ ...agentDto(), tts_speed: 'fast' }, AgentReply, 'strip');
    expect(wrong.ok ? [] : Object.keys(wrong.fields)).toEqual(['tts_speed']);
  });

  it('drops a field it does not know (a newer agent-api) instead of refusing the agent', () => {
    const decoded = validateAs({ ...agentDto(), added_later: { x: 1 } }, AgentReply, 'strip');
    expect(decoded.ok && Object.keys(decoded.value)).not.toContain('added_later');
    expect(decoded.ok).toBe(true);
  });
});
