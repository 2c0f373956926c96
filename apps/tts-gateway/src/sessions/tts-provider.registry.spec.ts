import { Writable } from 'node:stream';
import { AppLogger } from '@voxbridge/platform';
import { TtsGatewayEnv } from '../config/tts-gateway.env';
import { TtsErrorCode, type TtsProvider } from '../providers';
import { TtsProviderRegistry } from './tts-provider.registry';

const logger = AppLogger.create({ service: 'test', level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** Stands in for the installed flite: whether an engine is on PATH is the machine's business, not this test's. */
const flite: TtsProvider = {
  name: 'local:flite',
  capabilities: { streaming: false, offline: true, voiceParams: ['voice', 'speed'] },
  synthesize: async function* () {
    yield new Uint8Array(0);
  },
};

function registry(env: Partial<TtsGatewayEnv>, offlineEngine: TtsProvider | null): TtsProviderRegistry {
  const sut = new TtsProviderRegistry(Object.assign(new TtsGatewayEnv(), env), logger);
  jest.spyOn(sut, 'local').mockResolvedValue(offlineEngine);
  return sut;
}

async function failureOf(provider: TtsProvider): Promise<unknown> {
  try {
    for await (const _chunk of provider.synthesize({ text: 'Hello.', voice: {}, signal: new AbortController().signal })) break;
  } catch (error) {
    return error;
  }
  throw new Error(`${provider.name} did not fail`);
}

describe(TtsProviderRegistry.name, () => {
  describe('auto', () => {
    it('uses Chatterbox when CHATTERBOX_URL is set, even with an OpenAI-compatible server and an engine too', async () => {
      const sut = registry({ CHATTERBOX_URL: 'http://chatterbox:4123', OPENAI_TTS_URL: 'http://speech:8880/v1' }, flite);

      const provider = await sut.forAgent('auto');

      expect(provider.name).toBe('chatterbox');
      expect(provider).toBe(await sut.forAgent('chatterbox'));
    });

    it('uses the OpenAI-compatible server when only OPENAI_TTS_URL is set', async () => {
      const sut = registry({ OPENAI_TTS_URL: 'http://speech:8880/v1' }, flite);

      expect((await sut.forAgent('auto')).name).toBe('openai');
    });

    it('uses the offline engine when no server is configured', async () => {
      const sut = registry({}, flite);

      expect(await sut.forAgent('auto')).toBe(flite);
    });

    it('fails every synthesis, saying what to install or set, when no server is configured and no engine is installed', async () => {
      const sut = registry({}, null);

      const error = await failureOf(await sut.forAgent('auto'));

      expect(error).toMatchObject({ code: TtsErrorCode.Unavailable, provider: 'auto' });
      expect((error as Error).message).toContain('Install flite or espeak-ng');
      expect((error as Error).message).toMatch(/set CHATTERBOX_URL .* or OPENAI_TTS_URL .* on tts-gateway/);
    });
  });

  it('still builds the provider an agent names explicitly when its URL is unset (Chatterbox and OpenAI at their defaults)', async () => {
    const sut = registry({}, null);

    expect((await sut.forAgent('chatterbox')).name).toBe('chatterbox');
    expect((await sut.forAgent('openai_compatible')).name).toBe('openai');
  });

  it('refuses an unknown provider by failing its syntheses, listing the known ones', async () => {
    const sut = registry({}, flite);

    const error = await failureOf(await sut.forAgent('polly'));

    expect((error as Error).message).toBe('unknown tts_provider "polly" (auto, chatterbox, openai_compatible, local)');
  });
});
