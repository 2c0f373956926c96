import type { PluginsConfig } from '@voxbridge/plugin-sdk';
import type { AgentEntity } from './agent.entity';

/** Everything a client may set; what the service receives after validation at the edge. */
export type AgentFields = Omit<AgentEntity, 'id' | 'created_at' | 'updated_at'>;
export type NewAgent = Pick<AgentFields, 'name' | 'system_prompt'> & Partial<AgentFields>;
export type AgentPatch = Partial<AgentFields>;

/** An agent as the API and the events show it: secrets masked, times as ISO strings. */
export type AgentView = AgentFields & { id: string; plugins: PluginsConfig; created_at: string; updated_at: string };

/**
 * Defaults of a new agent. Providers are `auto`: each pipeline service picks from what it is
 * configured with and what is installed on its host, which agent-api cannot know (stt-gateway:
 * WhisperX, OpenAI-compatible, pocketsphinx; llm-router: OpenRouter with a key, else Ollama;
 * tts-gateway: Chatterbox, OpenAI-compatible, flite / espeak-ng). `llm_model` is what OpenRouter is asked for.
 */
export const AGENT_DEFAULTS: Omit<AgentFields, 'name' | 'system_prompt'> = {
  description: null,
  temperature: 0.7,
  llm_provider: 'auto',
  llm_model: 'anthropic/claude-3.5-sonnet',
  llm_base_url: null,
  n8n_webhook_url: null,
  fallback: [],
  is_default: false,
  stt_provider: 'auto',
  stt_language: 'en',
  silence_ms: 600,
  max_utterance_ms: 45_000,
  tts_provider: 'auto',
  tts_voice: null,
  tts_exaggeration: 1.0,
  tts_cfg_weight: 0.7,
  tts_temperature: 0.3,
  tts_language: 'en',
  tts_speed: 1.0,
  filter_actions_for_tts: false,
  timezone: 'UTC',
  deadlines: null,
  plugins: {},
};

/** Rules between fields, checked on the agent as it would be stored; keyed by the field to fix. */
export function crossFieldProblems(agent: AgentFields): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (agent.llm_provider === 'n8n' && !agent.n8n_webhook_url) {
    problems['n8n_webhook_url'] = ['is required when llm_provider is n8n'];
  }
  if (agent.llm_provider === 'openai_compatible' && !agent.llm_base_url) {
    problems['llm_base_url'] = ['is required when llm_provider is openai_compatible'];
  }
  agent.fallback.forEach((step, index) => {
    if (step.provider === 'openai_compatible' && !step.base_url) {
      problems[`fallback.${index}.base_url`] = ['is required when provider is openai_compatible'];
    }
  });
  return problems;
}
