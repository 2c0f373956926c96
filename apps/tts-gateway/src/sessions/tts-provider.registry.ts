import { AGENT_TTS_PROVIDERS } from '@voxbridge/contracts';
import { Injectable } from '@nestjs/common';
import { AppLogger } from '@voxbridge/platform';
import { TtsGatewayEnv } from '../config/tts-gateway.env';
import {
  ChatterboxProvider,
  LocalTtsProvider,
  OpenAiSpeechProvider,
  TtsErrorCode,
  TtsProviderError,
  type SynthesisRequest,
  type TtsCapabilities,
  type TtsProvider,
} from '../providers';

/** What an agent's `tts_provider` may say; `auto` picks from this service's configuration. */
export const TTS_PROVIDER_KINDS = AGENT_TTS_PROVIDERS;

/** Where agents naming a provider explicitly go when its URL is not set (the defaults before `auto`). */
export const DEFAULT_CHATTERBOX_URL = 'http://127.0.0.1:4123';
export const DEFAULT_OPENAI_TTS_URL = 'https://api.openai.com/v1';

export const NO_TTS_PROVIDER_MESSAGE =
  'tts_provider auto found no text-to-speech provider: neither CHATTERBOX_URL nor OPENAI_TTS_URL is set on tts-gateway ' +
  'and no offline engine is installed. Install flite or espeak-ng (Debian: apt-get install flite), or set CHATTERBOX_URL ' +
  '(a Chatterbox TTS API, e.g. http://127.0.0.1:4123) or OPENAI_TTS_URL (an OpenAI-compatible speech server) on tts-gateway.';

/**
 * The provider an agent's `tts_provider` names, built from this service's config and shared by
 * every session (the providers hold no per-call state). The offline engine is probed once.
 */
@Injectable()
export class TtsProviderRegistry {
  private chatterbox: ChatterboxProvider | undefined;
  private openai: OpenAiSpeechProvider | undefined;
  private localProbe: Promise<TtsProvider | null> | undefined;

  constructor(
    private readonly config: TtsGatewayEnv,
    private readonly logger: AppLogger,
  ) {}

  async forAgent(kind: string): Promise<TtsProvider> {
    switch (kind) {
      case 'auto':
        return this.auto();
      case 'chatterbox':
        return this.chatterboxProvider();
      case 'openai_compatible':
        return this.openAiProvider();
      case 'local':
        return (await this.local()) ?? new MissingProvider('local', 'no offline TTS engine on PATH (install flite or espeak-ng)');
      default:
        return new MissingProvider(kind, `unknown tts_provider ${JSON.stringify(kind)} (${TTS_PROVIDER_KINDS.join(', ')})`);
    }
  }

  /** The offline engine (flite / espeak-ng per TTS_LOCAL_ENGINE), or null when none is installed. */
  local(): Promise<TtsProvider | null> {
    this.localProbe ??= LocalTtsProvider.detect({ engine: this.config.TTS_LOCAL_ENGINE }).catch((error: unknown) => {
      this.logger.warn('tts offline engine not available', { engine: this.config.TTS_LOCAL_ENGINE, err: error });
      return null;
    });
    return this.localProbe;
  }

  /** Chatterbox if CHATTERBOX_URL is set, else the OpenAI-compatible server if OPENAI_TTS_URL is set, else the offline engine. */
  private async auto(): Promise<TtsProvider> {
    if (this.config.CHATTERBOX_URL) return this.chatterboxProvider();
    if (this.config.OPENAI_TTS_URL) return this.openAiProvider();
    return (await this.local()) ?? new MissingProvider('auto', NO_TTS_PROVIDER_MESSAGE);
  }

  private chatterboxProvider(): ChatterboxProvider {
    return (this.chatterbox ??= new ChatterboxProvider({ baseUrl: this.config.CHATTERBOX_URL ?? DEFAULT_CHATTERBOX_URL }));
  }

  private openAiProvider(): OpenAiSpeechProvider {
    return (this.openai ??= new OpenAiSpeechProvider({
      baseUrl: this.config.OPENAI_TTS_URL ?? DEFAULT_OPENAI_TTS_URL,
      apiKey: this.config.OPENAI_TTS_API_KEY || undefined,
      model: this.config.OPENAI_TTS_MODEL,
    }));
  }
}

/** Stands in for a provider that cannot work here, so a turn fails the usual way: logged, apologised for. */
class MissingProvider implements TtsProvider {
  readonly capabilities: TtsCapabilities = { streaming: false, offline: true, voiceParams: [] };

  constructor(
    readonly name: string,
    private readonly reason: string,
  ) {}

  // eslint-disable-next-line require-yield
  async *synthesize(_request: SynthesisRequest): AsyncGenerator<Uint8Array> {
    throw new TtsProviderError(TtsErrorCode.Unavailable, this.name, this.reason);
  }
}
