import { Bus } from '@voxbridge/bus';
import { FleetHealthReply, FleetSubjects, streamName } from '@voxbridge/contracts';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, FakeChatterboxServer, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { TtsGatewayEnv } from '../src/config/tts-gateway.env';

const definition = { service: 'tts-gateway' as const, env: TtsGatewayEnv, module: AppModule.register.bind(AppModule) };

describe('tts-gateway in the fleet census', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('tts-census');
  let bus: Bus;
  let chatterbox: FakeChatterboxServer;
  let service: RunningService;

  beforeAll(async () => {
    chatterbox = await FakeChatterboxServer.start();
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'tts-census-test' });
    service = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      CHATTERBOX_URL: chatterbox.url,
      VOXBRIDGE_FAKE_PROVIDERS: '1',
    });
  });

  afterAll(async () => {
    await service?.close();
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, 'leases-tts')}`).catch(() => false);
    await bus.drain();
    await chatterbox?.stop();
  });

  it('says that auto is the (fake) Chatterbox server and that it answers', async () => {
    const provider = await expectEventually(async () => {
      const [reply] = await bus.gather(FleetSubjects.healthPing, { request_id: randomUUID() }, FleetHealthReply, { maxWaitMs: 500, graceMs: 0, until: (r) => r.length > 0 });
      expect(reply?.providers?.[0]?.reachable).toBe(true);
      return reply?.providers?.[0];
    });
    expect(provider).toMatchObject({ stage: 'tts', kind: 'auto', resolved: 'chatterbox', target: chatterbox.url.replace(/\/$/, ''), fake: true });
  });
});
