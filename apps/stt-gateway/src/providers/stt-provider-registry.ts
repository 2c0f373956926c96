import { AGENT_STT_PROVIDERS } from '@voxbridge/contracts';
import { OpenAiCompatibleSttProvider } from './openai-compatible.provider';
import { PocketsphinxSttProvider } from './pocketsphinx.provider';
import { SttError, SttErrorCode } from './stt.errors';
import type { SttProvider } from './stt-provider';
import { WhisperXSttProvider } from './whisperx.provider';

/** What an agent's `stt_provider` may say; `auto` picks from this service's configuration. */
export const STT_PROVIDER_KINDS = AGENT_STT_PROVIDERS;
export type SttProviderKind = (typeof STT_PROVIDER_KINDS)[number];
/** A provider `auto` can stand for. */
export type ConcreteSttProviderKind = Exclude<SttProviderKind, 'auto'>;

export interface SttProviderSettings {
  whisperxUrl?: string;
  openAiBaseUrl?: string;
  openAiModel: string;
  openAiApiKey?: string;
  localBinary: string;
}

export type ResolvedSttProvider = { ok: true; provider: SttProvider } | { ok: false; error: SttError };

const HOW_TO_CONFIGURE: Record<ConcreteSttProviderKind, string> = {
  whisperx: 'Start a WhisperX streaming server and set WHISPERX_URL (ws://host:port) on stt-gateway, or pick another stt_provider for the agent.',
  openai_compatible:
    'Set STT_OPENAI_BASE_URL (server root, without /v1), STT_OPENAI_MODEL and, if the server needs one, STT_OPENAI_API_KEY on stt-gateway, or pick another stt_provider for the agent.',
  local: 'Install pocketsphinx and pocketsphinx-en-us (Debian) or set STT_LOCAL_BINARY on stt-gateway, or pick another stt_provider for the agent.',
};

/** `auto` fell through to the offline engine, which may not be installed: name every way out (fits a 500-character event). */
const HOW_TO_CONFIGURE_AUTO_LOCAL =
  'stt_provider auto: neither WHISPERX_URL nor STT_OPENAI_BASE_URL is set on stt-gateway, so it uses the offline engine: ' +
  'install pocketsphinx and pocketsphinx-en-us (or set STT_LOCAL_BINARY), or set WHISPERX_URL (ws://host:port of a WhisperX server) ' +
  'or STT_OPENAI_BASE_URL on stt-gateway.';

function isKind(value: string): value is SttProviderKind {
  return (STT_PROVIDER_KINDS as readonly string[]).includes(value);
}

/**
 * Chooses the provider for an agent's `stt_provider` from the service's settings; one instance per
 * kind (the local engine's detection runs once). Knows how to tell a user to configure each.
 */
export class SttProviderRegistry {
  private readonly providers = new Map<ConcreteSttProviderKind, SttProvider>();

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
    const concrete = this.concrete(kind);
    const cached = this.providers.get(concrete);
    if (cached) return { ok: true, provider: cached };
    const created = this.create(concrete);
    if (created.ok) this.providers.set(concrete, created.provider);
    return created;
  }

  /**
   * What `auto` stands for here: WhisperX when WHISPERX_URL is set, else the OpenAI-compatible
   * server when STT_OPENAI_BASE_URL is set, else the offline engine (which reports, when used, if
   * it is not installed: whether it is takes a process run to find out).
   */
  concrete(kind: SttProviderKind): ConcreteSttProviderKind {
    if (kind !== 'auto') return kind;
    if (this.settings.whisperxUrl) return 'whisperx';
    if (this.settings.openAiBaseUrl) return 'openai_compatible';
    return 'local';
  }

  /** One sentence telling an operator how to make `kind` work. */
  howToConfigure(kind: string): string {
    if (!isKind(kind)) return `Set the agent's stt_provider to one of ${STT_PROVIDER_KINDS.join(', ')}.`;
    const concrete = this.concrete(kind);
    return kind === 'auto' && concrete === 'local' ? HOW_TO_CONFIGURE_AUTO_LOCAL : HOW_TO_CONFIGURE[concrete];
  }

  private create(kind: ConcreteSttProviderKind): ResolvedSttProvider {
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
