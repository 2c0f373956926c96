import { SttErrorCode } from './stt.errors';
import { SttProviderRegistry, type SttProviderSettings } from './stt-provider-registry';

const settings = (overrides: Partial<SttProviderSettings> = {}): SttProviderSettings => ({
  openAiModel: 'whisper-1',
  localBinary: 'pocketsphinx_continuous',
  ...overrides,
});

const providerName = (sut: SttProviderRegistry, kind: string): string => {
  const resolved = sut.resolve(kind);
  if (!resolved.ok) throw new Error(`expected ${kind} to resolve, got: ${resolved.error.message}`);
  return resolved.provider.name;
};

describe(SttProviderRegistry.name, () => {
  describe('auto', () => {
    it('uses WhisperX when WHISPERX_URL is set, even with an OpenAI-compatible server configured too', () => {
      const sut = new SttProviderRegistry(settings({ whisperxUrl: 'ws://127.0.0.1:4901', openAiBaseUrl: 'http://127.0.0.1:8000' }));

      expect(providerName(sut, 'auto')).toBe('whisperx');
      expect(sut.howToConfigure('auto')).toContain('WHISPERX_URL');
    });

    it('uses the OpenAI-compatible server when only STT_OPENAI_BASE_URL is set', () => {
      const sut = new SttProviderRegistry(settings({ openAiBaseUrl: 'http://127.0.0.1:8000' }));

      expect(providerName(sut, 'auto')).toBe('openai-compatible');
      expect(sut.howToConfigure('auto')).toContain('STT_OPENAI_BASE_URL');
    });

    it('falls back to the offline engine when no server is configured, and says what to install or set if it is missing', () => {
      const sut = new SttProviderRegistry(settings());

      expect(providerName(sut, 'auto')).toBe('pocketsphinx');
      const howTo = sut.howToConfigure('auto');
      expect(howTo).toContain('install pocketsphinx and pocketsphinx-en-us');
      expect(howTo).toContain('STT_LOCAL_BINARY');
      expect(howTo).toContain('WHISPERX_URL');
      expect(howTo).toContain('STT_OPENAI_BASE_URL');
      // With the engine's own reason in front it must still fit a transcript error (500 characters).
      expect(howTo.length).toBeLessThanOrEqual(300);
    });

    it('shares the instance of the provider it stands for', () => {
      const sut = new SttProviderRegistry(settings({ whisperxUrl: 'ws://127.0.0.1:4901' }));
      const auto = sut.resolve('auto');
      const explicit = sut.resolve('whisperx');

      expect(auto.ok && explicit.ok && auto.provider === explicit.provider).toBe(true);
    });
  });

  it('keeps explicit providers as they are: an unconfigured one is an error naming its variable', () => {
    const sut = new SttProviderRegistry(settings({ whisperxUrl: 'ws://127.0.0.1:4901' }));

    expect(providerName(sut, 'local')).toBe('pocketsphinx');
    expect(sut.resolve('openai_compatible')).toEqual({
      ok: false,
      error: expect.objectContaining({ code: SttErrorCode.Unavailable, provider: 'openai-compatible', message: 'STT_OPENAI_BASE_URL is not set' }),
    });
    expect(sut.howToConfigure('openai_compatible')).toContain('STT_OPENAI_BASE_URL');
  });

  it('refuses an unknown provider, listing the ones it knows', () => {
    const sut = new SttProviderRegistry(settings());

    const resolved = sut.resolve('deepgram');

    expect(resolved.ok).toBe(false);
    expect(!resolved.ok && resolved.error.message).toBe('unknown stt_provider "deepgram"; use one of auto, whisperx, openai_compatible, local');
    expect(sut.howToConfigure('deepgram')).toContain('auto, whisperx, openai_compatible, local');
  });
});
