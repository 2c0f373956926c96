import { TtsGatewayEnv } from '../config/tts-gateway.env';
import { describeTtsProviders } from './provider-report';

const env = (values: Partial<TtsGatewayEnv>) => Object.assign(new TtsGatewayEnv(), values);

describe(describeTtsProviders.name, () => {
  it('resolves auto to Chatterbox first, then the OpenAI-compatible server', () => {
    expect(describeTtsProviders(env({ CHATTERBOX_URL: 'http://127.0.0.1:4123', OPENAI_TTS_URL: 'http://tts/v1' }))[0]).toMatchObject({
      stage: 'tts',
      kind: 'auto',
      resolved: 'chatterbox',
      target: 'http://127.0.0.1:4123',
    });
    expect(describeTtsProviders(env({ OPENAI_TTS_URL: 'http://tts/v1' }))[0]).toMatchObject({ resolved: 'openai_compatible', target: 'http://tts/v1' });
  });

  it('resolves auto to the offline engines TTS_LOCAL_ENGINE allows', () => {
    expect(describeTtsProviders(env({}))[0]).toMatchObject({ resolved: 'local', target: 'local', detail: 'flite / espeak-ng' });
    expect(describeTtsProviders(env({ TTS_LOCAL_ENGINE: 'espeak-ng' }))[0]).toMatchObject({ detail: 'espeak-ng' });
  });
});
