import { OpenAiCompatibleSttProvider } from './openai-compatible.provider';
import { PocketsphinxSttProvider } from './pocketsphinx.provider';
import { SttError, SttErrorCode } from './stt.errors';
import type { SttProvider } from './stt-provider';
import { WhisperXSttProvider } from './whisperx.provider';

/** What an agent's `stt_provider` may say. */
export const STT_PROVIDER_KINDS = ['whisperx', 'openai_compatible', 'local'] as const;
export type SttProviderKind = (typeof STT_PROVIDER_KINDS)[number];

export interface SttProviderSettings {
  whisperxUrl?: string;
  openAiBaseUrl?: string;
  openAiModel: string;
  openAiApiKey?: string;
  localBinary: string;
}

export type ResolvedSttProvider = { ok: true; provider: SttProvider } | { ok: false; error: SttError };

const HOW_TO_CONFIGURE: Record<SttProviderKind, string> = {
  whisperx: 'Start a WhisperX streaming server and set WHISPERX_URL (ws://host:port) on stt-gateway, or pick another stt_provider for the agent.',
  openai_compatible:
    'Set STT_OPENAI_BASE_URL (server root, without /v1), STT_OPENAI_MODEL and, if the server needs one, STT_OPENAI_API_KEY on stt-gateway, or pick another stt_provider for the agent.',
  local: 'Install pocketsphinx and pocketsphinx-en-us (Debian) or set STT_LOCAL_BINARY on stt-gateway, or pick another stt_provider for the agent.',
};

function isKind(value: string): value is SttProviderKind {
  return (STT_PROVIDER_KINDS as readonly string[]).includes(value);
}

/**
 * Chooses the provider for an agent's `stt_provider` from the service's settings; one instance per
 * kind (the local engine's detection runs once). Knows how to tell a user to configure each.
 */
export class SttProviderRegistry {
  private readonly providers = new Map<SttProviderKind, SttProvider>();

  constructor(private readonly settings: SttProviderSettings) {}

  resolve(kind: string): ResolvedSttProvider {
    if (!isKind(kind)) {
      return {
        ok: false,
        error: new SttError(
          SttErrorCode.Unavailable,
          kind,
          `unknown stt_provider "${kind.slice(0, 40)}"; use one of ${STT_PROVIDER_KINDS.join(', ')}`,
        ),
      };
    }
    const cached = this.providers.get(kind);
    if (cached) return { ok: true, provider: cached };
    const created = this.create(kind);
    if (created.ok) this.providers.set(kind, created.provider);
    return created;
  }

  /** One sentence telling an operator how to make `kind` work. */
  howToConfigure(kind: string): string {
    return isKind(kind) ? HOW_TO_CONFIGURE[kind] : `Set the agent's stt_provider to one of ${STT_PROVIDER_KINDS.join(', ')}.`;
  }

  private create(kind: SttProviderKind): ResolvedSttProvider {
    const { whisperxUrl, openAiBaseUrl, openAiModel, openAiApiKey, localBinary } = this.settings;
    switch (kind) {
      case 'whisperx':
        if (!whisperxUrl) return { ok: false, error: new SttError(SttErrorCode.Unavailable, 'whisperx', 'WHISPERX_URL is not set') };
        return { ok: true, provider: new WhisperXSttProvider({ url: whisperxUrl }) };
      case 'openai_compatible':
        if (!openAiBaseUrl) {
          return { ok: false, error: new SttError(SttErrorCode.Unavailable, 'openai-compatible', 'STT_OPENAI_BASE_URL is not set') };
        }
        return { ok: true, provider: new OpenAiCompatibleSttProvider({ baseUrl: openAiBaseUrl, model: openAiModel, apiKey: openAiApiKey }) };
      case 'local':
        return { ok: true, provider: new PocketsphinxSttProvider({ binary: localBinary }) };
    }
  }
}
