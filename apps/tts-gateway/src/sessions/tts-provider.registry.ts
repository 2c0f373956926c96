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
      case 'chatterbox':
        return (this.chatterbox ??= new ChatterboxProvider({ baseUrl: this.config.CHATTERBOX_URL }));
      case 'openai_compatible':
        return (this.openai ??= new OpenAiSpeechProvider({
          baseUrl: this.config.OPENAI_TTS_URL,
          apiKey: this.config.OPENAI_TTS_API_KEY || undefined,
          model: this.config.OPENAI_TTS_MODEL,
        }));
      case 'local':
        return (await this.local()) ?? new MissingProvider('local', 'no offline TTS engine on PATH (install flite or espeak-ng)');
      default:
        return new MissingProvider(kind, `unknown tts_provider ${JSON.stringify(kind)} (chatterbox, openai_compatible or local)`);
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
