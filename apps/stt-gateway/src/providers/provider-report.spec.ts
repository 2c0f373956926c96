import { SttGatewayEnv } from '../config/stt-gateway.env';
import { describeSttProviders } from './provider-report';

const env = (values: Partial<SttGatewayEnv>) => Object.assign(new SttGatewayEnv(), values);

describe(describeSttProviders.name, () => {
  it('resolves auto to WhisperX when WHISPERX_URL is set, marked fake under the launcher fakes', () => {
    const [sut] = describeSttProviders(env({ WHISPERX_URL: 'ws://127.0.0.1:4901', STT_OPENAI_BASE_URL: 'http://stt', VOXBRIDGE_FAKE_PROVIDERS: '1' }));
    expect(sut).toMatchObject({ stage: 'stt', kind: 'auto', resolved: 'whisperx', target: 'ws://127.0.0.1:4901', fake: true });
  });

  it('resolves auto to the OpenAI-compatible server, else to pocketsphinx on this machine', () => {
    expect(describeSttProviders(env({ STT_OPENAI_BASE_URL: 'http://stt:8000' }))[0]).toMatchObject({ resolved: 'openai_compatible', target: 'http://stt:8000', fake: false });
    expect(describeSttProviders(env({}))[0]).toMatchObject({ resolved: 'local', target: 'local', detail: 'pocketsphinx' });
  });

  it('checks the local engine on PATH', async () => {
    const [sut] = describeSttProviders(env({ STT_LOCAL_BINARY: 'surely-not-installed-vb' }));
    expect(await sut?.probe()).toEqual({ reachable: false, detail: 'surely-not-installed-vb not found on PATH' });
  });
});
