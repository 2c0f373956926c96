import { Bus, BusError, type BusSubscription } from '@voxbridge/bus';
import {
  AuthSubjects,
  CreateSessionRequest,
  ErrorCode,
  queueGroup,
  SessionClaimRequest,
  SessionIdRequest,
  sessionProtocol,
  SessionReleaseRequest,
  SessionSubjects,
  UpdateSessionRequest,
  VerifyCredentialRequest,
  type SessionClaimReply,
  type SessionDto,
  type VerifiedCredential,
  type VoiceServerEventName,
  type VoiceServerEvents,
  type VoiceServerMessage,
} from '@voxbridge/contracts';
import { expectEventually } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/**
 * Stand-ins for the services webrtc-gateway talks to, each serving the real subjects on the real
 * bus in its service's queue group: agent-api's credential check, session-store's sessions, and
 * the claims and releases of stt-gateway, llm-router and tts-gateway. (agent-api's
 * `agents.v1.agent.get` is FakeAgentDirectory from libs/service-testing.)
 */

/** `auth.v1.credential.verify`: one good credential; anything else is refused as agent-api refuses. */
export class FakeCredentials {
  readonly key_id = '0d5f3c52-93a1-4e0e-9b7a-2f6c1e4d8a01';
  readonly checked: VerifyCredentialRequest[] = [];
  private readonly subscription: BusSubscription;

  constructor(
    bus: Bus,
    readonly good: string,
  ) {
    this.subscription = bus.serveJson(
      AuthSubjects.verify,
      VerifyCredentialRequest,
      (req): VerifiedCredential => {
        this.checked.push(req);
        if (req.credential !== this.good) throw new BusError(ErrorCode.Unauthorized, 'credential unknown, revoked or expired');
        return { kind: 'voice_token', key_id: this.key_id, role: 'client', agent_id: req.agent_id, expires_at_ms: Date.now() + 60_000 };
      },
      { queue: queueGroup(bus.namespace, 'agent-api') },
    );
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}

/** session-store's create / get / update from a map. */
export class FakeSessionStore {
  readonly sessions = new Map<string, SessionDto>();
  readonly created: CreateSessionRequest[] = [];
  readonly updates: UpdateSessionRequest[] = [];
  private readonly subscriptions: BusSubscription[];

  constructor(bus: Bus) {
    const queue = queueGroup(bus.namespace, 'session-store');
    this.subscriptions = [
      bus.serveJson(SessionSubjects.create, CreateSessionRequest, (req) => {
        this.created.push(req);
        return this.add({ user_id: req.user_id, agent_id: req.agent_id, session_type: req.session_type ?? 'web' });
      }, { queue }),
      bus.serveJson(SessionSubjects.get, SessionIdRequest, (req) => this.find(req.id), { queue }),
      bus.serveJson(SessionSubjects.update, UpdateSessionRequest, (req) => {
        this.updates.push(req);
        const session = this.find(req.id);
        if (req.active !== undefined) Object.assign(session, { active: req.active, ended_at: req.active ? null : new Date().toISOString() });
        return session;
      }, { queue }),
    ];
  }

  add(fields: Partial<SessionDto> & Pick<SessionDto, 'agent_id'>): SessionDto {
    const session: SessionDto = {
      id: randomUUID(),
      user_id: 'someone',
      user_name: null,
      title: 'New conversation',
      active: true,
      started_at: new Date().toISOString(),
      ended_at: null,
      session_type: 'webrtc',
      session_metadata: {},
      message_count: 0,
      ...fields,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  stop(): void {
    this.subscriptions.forEach((s) => s.unsubscribe());
  }

  private find(id: string): SessionDto {
    const session = this.sessions.get(id);
    if (!session) throw new BusError(ErrorCode.NotFound, `session ${id} not found`);
    return session;
  }
}

export type PipelineName = 'stt' | 'llm' | 'tts';

const PIPELINE = {
  stt: { service: 'stt-gateway', claim: sessionProtocol('stt').claim.subject, release: sessionProtocol('stt').release.subject },
  llm: { service: 'llm-router', claim: sessionProtocol('llm').claim.subject, release: sessionProtocol('llm').release.subject },
  tts: { service: 'tts-gateway', claim: sessionProtocol('tts').claim.subject, release: sessionProtocol('tts').release.subject },
} as const;

export interface ClaimRecord {
  service: PipelineName;
  session_id: string;
  agent_id: string;
  lease_ms?: number;
  atMs: number;
}

/** The three pipeline services' claim and release, recording every request; each can be "down". */
export class FakePipeline {
  readonly claims: ClaimRecord[] = [];
  readonly releases: Array<{ service: PipelineName; session_id: string; atMs: number }> = [];
  private readonly running = new Map<PipelineName, BusSubscription[]>();

  constructor(private readonly bus: Bus) {
    for (const name of Object.keys(PIPELINE) as PipelineName[]) this.start(name);
  }

  start(name: PipelineName): void {
    if (this.running.has(name)) return;
    const { service, claim, release } = PIPELINE[name];
    const queue = queueGroup(this.bus.namespace, service);
    const held = new Set<string>();
    // One replica per service; like a real one it answers pings at its own instance id.
    const instanceId = randomUUID();
    this.running.set(name, [
      this.bus.serve(sessionProtocol(name).ping(instanceId), () => ({ instance_id: instanceId, sessions: held.size })),
      this.bus.serveJson(claim, SessionClaimRequest, (req): SessionClaimReply => {
        this.claims.push({ service: name, session_id: req.session_id, agent_id: req.agent_id, lease_ms: req.lease_ms, atMs: Date.now() });
        const taken = !held.has(req.session_id);
        held.add(req.session_id);
        return { session_id: req.session_id, owner_instance_id: instanceId, lease_ms: req.lease_ms ?? 15_000, taken };
      }, { queue }),
      this.bus.serveJson(release, SessionReleaseRequest, (req) => {
        this.releases.push({ service: name, session_id: req.session_id, atMs: Date.now() });
        return { session_id: req.session_id, released: held.delete(req.session_id) };
      }, { queue }),
    ]);
  }

  /** No replica of the service answers from now on (requests get no responders). */
  async stop(name: PipelineName): Promise<void> {
    const subscriptions = this.running.get(name) ?? [];
    this.running.delete(name);
    subscriptions.forEach((s) => s.unsubscribe());
    await this.bus.connection.flush();
  }

  stopAll(): Promise<void[]> {
    return Promise.all((Object.keys(PIPELINE) as PipelineName[]).map((name) => this.stop(name)));
  }

  claimsOf(sessionId: string, service?: PipelineName): ClaimRecord[] {
    return this.claims.filter((c) => c.session_id === sessionId && (service === undefined || c.service === service));
  }

  releasedServices(sessionId: string): PipelineName[] {
    return [...new Set(this.releases.filter((r) => r.session_id === sessionId).map((r) => r.service))].sort();
  }
}

/** A browser on /ws/voice: records every JSON message and binary frame, and how the socket closed. */
export class VoiceClient {
  readonly messages: VoiceServerMessage[] = [];
  readonly audio: Buffer[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.audio.push(data);
      else this.messages.push(JSON.parse(data.toString('utf8')) as VoiceServerMessage);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })));
    ws.on('error', () => undefined); // refusals are asserted through `closed`
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): VoiceClient {
    return new VoiceClient(new WebSocket(url, options));
  }

  events(): string[] {
    return this.messages.map((m) => m.event);
  }

  /** The data of every message of one event. */
  all<K extends VoiceServerEventName>(event: K): Array<VoiceServerEvents[K]> {
    return this.messages.filter((m) => m.event === event).map((m) => m.data as VoiceServerEvents[K]);
  }

  states(): string[] {
    return this.all('turn_state').map((s) => s.state);
  }

  /** Waits for the first message of `event` and returns its data. */
  next<K extends VoiceServerEventName>(event: K, timeoutMs = 5_000): Promise<VoiceServerEvents[K]> {
    return expectEventually(
      () => {
        const [found] = this.all(event);
        if (!found) throw new Error(`no ${event} yet; got ${JSON.stringify(this.messages).slice(0, 2_000)}`);
        return found;
      },
      { timeoutMs },
    );
  }

  send(value: object | string): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  sendFrame(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }
}
