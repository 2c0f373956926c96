import type { AgentFields } from './agent.model';

type SeedAgent = { id: string } & Pick<AgentFields, 'name' | 'system_prompt'> & Partial<AgentFields>;

/**
 * The examples work out of the box: each service resolves `auto` from its own configuration (the
 * launcher's `--fake-providers` included). Only new databases get them: the seed runs once.
 */
const AUTO_PROVIDERS = { llm_provider: 'auto', stt_provider: 'auto', tts_provider: 'auto' } as const satisfies Partial<AgentFields>;

/**
 * The three example agents of VoxBridge 2.0 (seed document, Phase 1; parameters from its seed.py).
 * Fixed ids so every installation refers to them the same way; version-4 shaped so every UUID
 * validator accepts them.
 */
export const SEED_AGENTS: SeedAgent[] = [
  {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'Auren',
    description: 'Friendly general-purpose assistant',
    system_prompt:
      'You are Auren, a friendly general-purpose voice assistant. Speak naturally and warmly, keep answers short ' +
      'enough to listen to, and ask a brief question when a request is unclear.',
    temperature: 0.7,
    ...AUTO_PROVIDERS,
    tts_voice: 'auren_voice',
    tts_exaggeration: 1.0,
    tts_cfg_weight: 0.7,
    tts_temperature: 0.3,
    is_default: true,
  },
  {
    id: '00000000-0000-4000-8000-000000000002',
    name: 'TechSupport',
    description: 'Technical troubleshooting specialist',
    system_prompt:
      'You are TechSupport, a technical troubleshooting specialist. Speak clearly and professionally, find the ' +
      'cause step by step, and give one concrete instruction at a time.',
    temperature: 0.5,
    ...AUTO_PROVIDERS,
    tts_voice: 'auren_voice',
    tts_exaggeration: 0.8,
    tts_cfg_weight: 0.8,
    tts_temperature: 0.25,
  },
  {
    id: '00000000-0000-4000-8000-000000000003',
    name: 'Creative Writer',
    description: 'Creative writing and brainstorming',
    system_prompt:
      'You are Creative Writer, a partner for creative writing and brainstorming. Be warm and expressive, offer ' +
      'vivid ideas and alternatives, and build on what the user suggests.',
    temperature: 0.9,
    ...AUTO_PROVIDERS,
    tts_voice: 'auren_voice',
    tts_exaggeration: 1.3,
    tts_cfg_weight: 0.6,
    tts_temperature: 0.4,
  },
];
