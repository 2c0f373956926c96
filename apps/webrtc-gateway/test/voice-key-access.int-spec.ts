import { Bus, BusError, type BusSubscription } from '@voxbridge/bus';
import {
  AuthSubjects,
  ErrorCode,
  KEY_REVOKED_CLOSE_CODE,
  queueGroup,
  VerifyCredentialRequest,
  type KeyRevokedEvent,
  type VerifiedCredential,
} from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory, testLogger, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { WebrtcGatewayEnv } from '../src/config/webrtc-gateway.env';
import { VoiceServer } from '../src/voice/voice.server';
import { FakePipeline, FakeSessionStore, VoiceClient } from './support/voice-fakes';

/**
 * Who may use which session on /ws/voice, and revoked keys: webrtc-gateway booted in-process on
 * real NATS. Fake, on the real subjects: agent-api's credential check (two keys, one session each),
 * agents, session-store and the pipeline's claims.
 */

const definition = { service: 'webrtc-gateway' as const, env: WebrtcGatewayEnv, module: AppModule.register.bind(AppModule) };

/** agent-api's `auth.v1.credential.verify`: `vbk_<name>` is that key; a session it may not see is `not_found`. */
class TwoKeyCredentials {
  readonly keys = { alice: randomUUID(), bob: randomUUID() };
  /** session id → the key that created it. */
  readonly owners = new Map<string, string>();
  private readonly subscription: BusSubscription;

  constructor(bus: Bus) {
    this.subscription = bus.serveJson(
      AuthSubjects.verify,
      VerifyCredentialRequest,
      (req): VerifiedCredential => {
        const keyId = req.credential === 'vbk_alice' ? this.keys.alice : req.credential === 'vbk_bob' ? this.keys.bob : undefined;
        if (!keyId) throw new BusError(ErrorCode.Unauthorized, 'unknown or revoked API key');
        if (req.session_id !== undefined && this.owners.get(req.session_id.toLowerCase()) !== keyId) {
          throw new BusError(ErrorCode.NotFound, `session ${req.session_id} not found`);
        }
        return { kind: 'api_key', key_id: keyId, role: 'client' };
      },
      { queue: queueGroup(bus.namespace, 'agent-api') },
    );
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}

describe('webrtc-gateway /ws/voice: sessions per key and revoked keys', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let service: RunningService;
  let bus: Bus;
  let agents: FakeAgentDirectory;
  let credentials: TwoKeyCredentials;
  let store: FakeSessionStore;
  const clients: VoiceClient[] = [];

  const open = (credential: string, query: Record<string, string> = {}) => {
    const params = new URLSearchParams({ token: credential, ...query });
    const client = VoiceClient.connect(`${service.baseUrl.replace('http', 'ws')}/ws/voice?${params.toString()}`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'voice-access-test', logger: testLogger('voice-access-test') });
    agents = new FakeAgentDirectory(bus);
    credentials = new TwoKeyCredentials(bus);
    store = new FakeSessionStore(bus);
    new FakePipeline(bus);
    await bus.connection.flush();
    service = await bootService(definition, { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: namespace });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await expectEventually(() => expect(service.app.get(VoiceServer).socketCount).toBe(0));
  });

  afterAll(async () => {
    await service?.close();
    credentials?.stop();
    await bus?.drain();
  });

  it('closes 4404 when a key resumes another key’s session, and reopens nothing', async () => {
    const agentId = agents.add().id;
    const bobs = store.add({ agent_id: agentId, active: false, ended_at: new Date().toISOString() });
    credentials.owners.set(bobs.id, credentials.keys.bob);

    const alice = open('vbk_alice', { agent_id: agentId, session_id: bobs.id });
    expect(await alice.closed).toEqual({ code: 4404, reason: 'session not found' });
    expect(store.updates).toEqual([]);
    expect(store.sessions.get(bobs.id)?.active).toBe(false);

    const bob = open('vbk_bob', { agent_id: agentId, session_id: bobs.id });
    expect(await bob.next('ready')).toMatchObject({ session_id: bobs.id, resumed: true });
  });

  it('closes the sockets of a revoked key with 4401 within the event, and leaves the others open', async () => {
    const agentId = agents.add().id;
    const alice = open('vbk_alice', { agent_id: agentId });
    const bob = open('vbk_bob', { agent_id: agentId });
    await alice.next('ready');
    await bob.next('ready');

    const revoked: KeyRevokedEvent = { key_id: credentials.keys.alice, revoked_at: new Date().toISOString() };
    bus.publishJson(AuthSubjects.keyRevoked, revoked);

    expect(await alice.closed).toEqual({ code: KEY_REVOKED_CLOSE_CODE, reason: 'the API key was revoked' });
    expect(bob.ws.readyState).toBe(bob.ws.OPEN);
  });
});
