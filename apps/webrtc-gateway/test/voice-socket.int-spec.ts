import { Bus } from '@voxbridge/bus';
import {
  AUDIO_IN_FRAME_BYTES,
  AUDIO_OUT_FRAME_BYTES,
  FleetHealthPing,
  FleetHealthReply,
  FleetSubjects,
  mediaSubject,
  SessionSubjects,
  streamName,
  type ControlEvent,
  type MediaStream,
  type ReplyEvent,
  type TranscriptEvent,
  type MessageDto,
  type MessageTimeline,
  type TurnRecordedEvent,
  type TurnEvent,
  type VadEvent,
} from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory, testLogger, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { AppModule } from '../src/app.module';
import { WebrtcGatewayEnv } from '../src/config/webrtc-gateway.env';
import { VoiceServer } from '../src/voice/voice.server';
import { FakeCredentials, FakePipeline, FakeSessionStore, VoiceClient } from './support/voice-fakes';

/**
 * webrtc-gateway's /ws/voice, booted in-process on real NATS. Real: the bus, the `ws` client and
 * server. Fake, on the real subjects: agent-api (credential check, agents), session-store and the
 * claims of stt-gateway / llm-router / tts-gateway; the test publishes the pipeline's media events.
 */

const definition = { service: 'webrtc-gateway' as const, env: WebrtcGatewayEnv, module: AppModule.register.bind(AppModule) };
const LEASE_MS = 1_500;
const PING_INTERVAL_MS = 200;
const TOKEN = 'vbt_good-token';

const frameIn = (fill = 1) => new Uint8Array(AUDIO_IN_FRAME_BYTES).fill(fill);
const frameOut = (fill: number) => new Uint8Array(AUDIO_OUT_FRAME_BYTES).fill(fill);

describe('webrtc-gateway /ws/voice', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let service: RunningService;
  let bus: Bus;
  let agents: FakeAgentDirectory;
  let credentials: FakeCredentials;
  let store: FakeSessionStore;
  let pipeline: FakePipeline;
  const clients: VoiceClient[] = [];
  const taps: SubjectTap[] = [];

  const env = (overrides: Record<string, string> = {}) => ({
    NATS_URL: infra.natsUrl,
    VOXBRIDGE_NAMESPACE: namespace,
    VOICE_LEASE_MS: String(LEASE_MS),
    VOICE_PING_INTERVAL_MS: String(PING_INTERVAL_MS),
    ...overrides,
  });
  const url = (query: Record<string, string | undefined>) => {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    return `${service.baseUrl.replace('http', 'ws')}/ws/voice?${params.toString()}`;
  };
  const open = (query: Record<string, string | undefined>, options = {}) => {
    const client = VoiceClient.connect(url(query), options);
    clients.push(client);
    return client;
  };
  /** A socket that got `ready`, and its session id. */
  const ready = async (query: Record<string, string | undefined> = {}) => {
    const agentId = query['agent_id'] ?? agents.add({ name: 'Auren' }).id;
    const client = open({ token: TOKEN, agent_id: agentId, ...query });
    const data = await client.next('ready');
    return { client, sessionId: data.session_id, agentId, ready: data };
  };
  const tap = async (sessionId: string) => {
    const started = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(started);
    return started;
  };
  const publish = (sessionId: string, stream: MediaStream, event: object) => bus.publishJson(mediaSubject(sessionId, stream), event);
  const metrics = async () => (await fetch(`${service.baseUrl}/metrics`)).text();
  const metricValue = (text: string, name: string, label = '') => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  /**
   * How many messages reach the gateway's own bus connection while the test publishes `publishAll`:
   * a census ping sent afterwards on the same connection is answered only once everything before it
   * was delivered, so no waiting is needed. The census itself counts 1.
   */
  const messagesReachingGateway = async (publishAll: () => void) => {
    const gatewayBus = service.app.get(Bus);
    const before = gatewayBus.connection.stats().inMsgs;
    publishAll();
    const replies = await bus.gather(FleetSubjects.healthPing, new FleetHealthPing(), FleetHealthReply, { maxWaitMs: 2_000, until: (r) => r.length > 0 });
    expect(replies).toHaveLength(1);
    return gatewayBus.connection.stats().inMsgs - before;
  };

  beforeAll(async () => {
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'webrtc-gateway-test', logger: testLogger('webrtc-gateway-test') });
    agents = new FakeAgentDirectory(bus);
    credentials = new FakeCredentials(bus, TOKEN);
    store = new FakeSessionStore(bus);
    pipeline = new FakePipeline(bus);
    await bus.connection.flush();
    service = await bootService(definition, env());
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await Promise.all(taps.splice(0).map((t) => t.stop()));
    for (const name of ['stt', 'llm', 'tts'] as const) pipeline.start(name);
    await expectEventually(() => expect(service.app.get(VoiceServer).socketCount).toBe(0));
  });

  afterAll(async () => {
    await service?.close();
    const jsm = await bus?.connection.jetstreamManager();
    await jsm?.streams.delete(streamName(namespace, 'sessions')).catch(() => undefined);
    await bus?.drain();
  });

  describe('refusals', () => {
    it('closes 1008 without a credential, naming how to pass one', async () => {
      const client = open({ agent_id: agents.add().id });
      expect(await client.closed).toEqual({ code: 1008, reason: expect.stringContaining('token') });
      expect(client.events()).toEqual([]);
    });

    it('closes 1008 for a credential agent-api refuses, and creates and claims nothing', async () => {
      const agent = agents.add();
      const claimsBefore = pipeline.claims.length;
      const createdBefore = store.created.length;
      const client = open({ agent_id: agent.id, token: 'vbt_forged' });
      expect(await client.closed).toEqual({ code: 1008, reason: 'unauthorized: credential unknown, revoked or expired' });
      expect(credentials.checked.at(-1)).toEqual({ credential: 'vbt_forged', agent_id: agent.id });
      expect(pipeline.claims.length).toBe(claimsBefore);
      expect(store.created.length).toBe(createdBefore);
    });

    it('does not let an end sent before the credential is checked hide the refusal', async () => {
      const client = open({ agent_id: agents.add().id, token: 'vbt_forged' });
      client.ws.once('open', () => client.ws.send(JSON.stringify({ type: 'end' })));
      expect(await client.closed).toEqual({ code: 1008, reason: 'unauthorized: credential unknown, revoked or expired' });
    });

    it('honours an end sent while the socket was still opening, once it is open', async () => {
      const client = open({ agent_id: agents.add().id, token: TOKEN });
      client.ws.once('open', () => client.ws.send(JSON.stringify({ type: 'end' })));
      expect(await client.closed).toEqual({ code: 1000, reason: 'ended by the client' });
    });

    it('accepts the credential from Authorization: Bearer too', async () => {
      const client = open({ agent_id: agents.add().id }, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(await client.next('ready')).toMatchObject({ resumed: false });
    });

    it.each([
      [{}, 'agent_id is required'],
      [{ agent_id: 'vb.>' }, 'agent_id must be a UUID'],
      [{ agent_id: randomUUID(), session_id: 'nope' }, 'session_id must be a UUID'],
    ])('closes 1008 for a bad query %p', async (query, reason) => {
      const client = open({ token: TOKEN, ...query });
      expect(await client.closed).toEqual({ code: 1008, reason });
    });

    it('answers 404 to a WebSocket on any other path', async () => {
      const ws = new WebSocket(`${service.baseUrl.replace('http', 'ws')}/ws/events?token=${TOKEN}`);
      ws.on('error', () => undefined);
      const status = await new Promise<number | undefined>((resolve) => ws.once('unexpected-response', (_request, response) => resolve(response.statusCode)));
      ws.terminate();
      expect(status).toBe(404);
    });

    it('closes 4404 for an unknown agent', async () => {
      const client = open({ token: TOKEN, agent_id: randomUUID() });
      expect(await client.closed).toEqual({ code: 4404, reason: 'agent not found' });
    });

    it('closes 4404 for an unknown session and for a session of another agent', async () => {
      const agent = agents.add();
      const other = store.add({ agent_id: agents.add().id });
      const unknown = open({ token: TOKEN, agent_id: agent.id, session_id: randomUUID() });
      const foreign = open({ token: TOKEN, agent_id: agent.id, session_id: other.id });
      expect(await unknown.closed).toEqual({ code: 4404, reason: 'session not found' });
      expect(await foreign.closed).toEqual({ code: 4404, reason: 'session not found for this agent' });
      expect(pipeline.claimsOf(other.id)).toEqual([]);
    });

    it('names the service that is not running, closes 1011 and lets the others go', async () => {
      await pipeline.stop('tts');
      const agent = agents.add();
      const client = open({ token: TOKEN, agent_id: agent.id });
      expect(await client.closed).toEqual({ code: 1011, reason: 'tts-gateway is not running' });
      expect(client.all('service_error')).toEqual([{ code: 'no_responders', message: 'tts-gateway is not running', service: 'tts-gateway' }]);
      const [created] = store.created.filter((c) => c.agent_id === agent.id);
      const session = [...store.sessions.values()].find((s) => s.agent_id === agent.id);
      expect(created).toMatchObject({ session_type: 'webrtc' });
      await expectEventually(() => expect(pipeline.releasedServices(session?.id ?? '')).toEqual(['llm', 'stt']));
    });
  });

  it('closes 1009 on a message over 64 KiB, saying the limit', async () => {
    const { client } = await ready();
    client.ws.send(Buffer.alloc(70_000));
    expect(await client.closed).toEqual({ code: 1009, reason: 'message of 70000 bytes; at most 65536' });
  });

  describe('a live socket', () => {
    it('creates a webrtc session for the key, claims it from stt, llm and tts, then says ready and listening', async () => {
      const { client, sessionId, agentId, ready: data } = await ready();
      expect(data).toEqual({
        session_id: sessionId,
        agent_id: agentId,
        agent_name: 'Auren',
        input_sample_rate: 16_000,
        output_sample_rate: 24_000,
        frame_ms: 20,
        resumed: false,
      });
      expect(store.created.at(-1)).toEqual({ user_id: `key:${credentials.key_id}`, agent_id: agentId, session_type: 'webrtc', created_by_key_id: credentials.key_id });
      expect(pipeline.claimsOf(sessionId).map((c) => [c.service, c.agent_id, c.lease_ms]).sort()).toEqual([
        ['llm', agentId, LEASE_MS],
        ['stt', agentId, LEASE_MS],
        ['tts', agentId, LEASE_MS],
      ]);
      await expectEventually(() => expect(client.messages.slice(0, 2)).toEqual([
        { event: 'ready', data },
        { event: 'turn_state', data: { turn_id: null, state: 'listening' } },
      ]));
      expect(metricValue(await metrics(), 'webrtc_voice_sockets')).toBe(1);
    });

    it('renews the claims every lease / 3 while the socket lives', async () => {
      const { sessionId } = await ready();
      const startedAtMs = Date.now();
      await expectEventually(() => {
        for (const service of ['stt', 'llm', 'tts'] as const) expect(pipeline.claimsOf(sessionId, service).length).toBeGreaterThanOrEqual(3);
      }, { timeoutMs: 3_000 });
      // Two renewals take at least two heartbeat periods.
      expect(Date.now() - startedAtMs).toBeGreaterThanOrEqual((2 * LEASE_MS) / 3 - 50);
    });

    it('forwards 640-byte frames to audio.in with sequence numbers and capture times', async () => {
      const { client, sessionId } = await ready();
      const audioIn = await tap(sessionId);
      const sentAtMs = Date.now();
      for (let i = 0; i < 3; i++) client.sendFrame(frameIn(i + 1));
      const frames = await audioIn.expectEventually(() => {
        const seen = audioIn.on('audio.in');
        expect(seen).toHaveLength(3);
        return seen;
      });
      expect(frames.map((f) => f.sizeBytes)).toEqual([640, 640, 640]);
      expect(frames.map((f) => f.payload[0])).toEqual([1, 2, 3]);
      expect(frames.map((f) => f.headers['Vb-Seq'])).toEqual(['0', '1', '2']);
      for (const f of frames) expect(Number(f.headers['Vb-Ts-Ms'])).toBeGreaterThanOrEqual(sentAtMs);
    });

    it('drops frames of the wrong size, counts them, says so at most once a second, and keeps the socket', async () => {
      const { client, sessionId } = await ready();
      const audioIn = await tap(sessionId);
      const droppedBefore = metricValue(await metrics(), 'webrtc_audio_frames_dropped_total', 'reason="wrong_size"');
      client.sendFrame(new Uint8Array(100));
      client.sendFrame(new Uint8Array(1_280));
      client.sendFrame(frameIn(9));
      await audioIn.expectEventually(() => expect(audioIn.on('audio.in').map((f) => f.payload[0])).toEqual([9]));
      expect(client.all('service_error')).toEqual([
        { code: 'validation_failed', message: 'audio frames must be 640 bytes (20 ms of PCM16 mono at 16000 Hz); got 100 bytes, dropped' },
      ]);
      expect(metricValue(await metrics(), 'webrtc_audio_frames_dropped_total', 'reason="wrong_size"')).toBe(droppedBefore + 2);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    });

    it('stops forwarding while muted and resumes on unmute', async () => {
      const { client, sessionId } = await ready();
      const audioIn = await tap(sessionId);
      client.send({ type: 'mute' });
      client.sendFrame(frameIn(1));
      client.send({ type: 'unmute' });
      client.sendFrame(frameIn(2));
      await audioIn.expectEventually(() => expect(audioIn.on('audio.in').map((f) => f.payload[0])).toEqual([2]));
    });

    it('answers malformed or unknown messages with validation_failed and keeps the socket', async () => {
      const { client } = await ready();
      client.send('not json');
      client.send({ type: 'dance' });
      await expectEventually(() => expect(client.all('service_error')).toEqual([
        { code: 'validation_failed', message: 'text messages must be JSON: {"type": "mute" | "unmute" | "interrupt" | "end"}' },
        { code: 'validation_failed', message: 'type must be one of mute, unmute, interrupt, end' },
      ]));
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    });
  });

  describe('the session’s media plane to the client', () => {
    it('maps a whole turn: speech, transcripts, thinking, reply text, speaking with audio, done, listening', async () => {
      const { client, sessionId, agentId } = await ready();
      const utteranceId = randomUUID();
      const turnId = randomUUID();
      const vad = (kind: VadEvent['kind'], atMs: number): VadEvent => ({ session_id: sessionId, kind, utterance_id: utteranceId, at_ms: atMs });
      const transcript = (kind: TranscriptEvent['kind'], text: string): TranscriptEvent => ({ session_id: sessionId, utterance_id: utteranceId, kind, text });
      const reply = (kind: ReplyEvent['kind'], seq: number, text?: string): ReplyEvent => ({ session_id: sessionId, turn_id: turnId, kind, seq, text });
      const turn = (state: TurnEvent['state'], extra: Partial<TurnEvent> = {}): TurnEvent => ({ session_id: sessionId, turn_id: turnId, state, ...extra });

      publish(sessionId, 'vad', vad('speech_started', 1_000));
      publish(sessionId, 'transcript', transcript('partial', 'what time'));
      publish(sessionId, 'vad', vad('speech_stopped', 2_000));
      publish(sessionId, 'transcript', transcript('final', 'what time is it'));
      await client.next('final_transcript');
      publish(sessionId, 'turn', turn('thinking'));
      publish(sessionId, 'reply', reply('delta', 0, 'It is '));
      publish(sessionId, 'reply', reply('delta', 1, 'noon.'));
      publish(sessionId, 'reply', reply('done', 2));
      publish(sessionId, 'turn', turn('speaking', { first_audio_at_ms: Date.now() }));
      for (let seq = 0; seq < 3; seq++) bus.publishFrame(mediaSubject(sessionId, 'audio.out'), frameOut(seq + 1), { seq, timestampMs: Date.now(), turnId });
      await expectEventually(() => expect(client.audio).toHaveLength(3));
      publish(sessionId, 'turn', turn('done', { heard_text: 'It is noon.', frames_played: 3 }));
      await expectEventually(() => expect(client.states()).toEqual(['listening', 'thinking', 'speaking', 'done', 'listening']));

      expect(client.all('speech_started')).toEqual([{ utterance_id: utteranceId, at_ms: 1_000 }]);
      expect(client.all('speech_stopped')).toEqual([{ utterance_id: utteranceId, at_ms: 2_000 }]);
      expect(client.all('partial_transcript')).toEqual([{ utterance_id: utteranceId, text: 'what time' }]);
      expect(client.all('final_transcript')).toEqual([{ utterance_id: utteranceId, text: 'what time is it' }]);
      expect(client.all('ai_response_chunk')).toEqual([
        { turn_id: turnId, text: 'It is ' },
        { turn_id: turnId, text: 'noon.' },
      ]);
      expect(client.all('ai_response_complete')).toEqual([{ turn_id: turnId, text: 'It is noon.' }]);
      expect(client.all('turn_state')[3]).toEqual({ turn_id: turnId, state: 'done', heard_text: 'It is noon.' });
      expect(client.audio.map((a) => [a.byteLength, a[0]])).toEqual([[960, 1], [960, 2], [960, 3]]);

      // The turn's latencies and timeline arrive once session-store has stored it.
      const timeline: MessageTimeline = { marks_at_ms: { speech_end: 1, first_frame_sent: 1_021 }, spans: [], total_ms: 1_020, overhead_ms: null };
      bus.publishJson(
        SessionSubjects.turnRecorded,
        recordedTurn({ turn_id: turnId, session_id: sessionId, agent_id: agentId }, {
          stt_latency_ms: 110,
          llm_ttft_ms: 240,
          tts_ttfb_ms: 90,
          total_latency_ms: 1_020,
          overhead_ms: 8,
          provider: 'openai_compatible',
          model: 'llama3.2',
          timeline,
        }),
      );
      expect(await client.next('turn_metrics')).toEqual({
        turn_id: turnId,
        interrupted: false,
        stt_latency_ms: 110,
        llm_ttft_ms: 240,
        tts_ttfb_ms: 90,
        total_latency_ms: 1_020,
        overhead_ms: 8,
        provider: 'openai_compatible',
        model: 'llama3.2',
        timeline,
      });
    });

    it('relays each stored turn to every socket of its session and to no other', async () => {
      const first = await ready();
      const second = await ready({ agent_id: first.agentId, session_id: first.sessionId });
      const elsewhere = await ready();
      const turnId = randomUUID();
      bus.publishJson(SessionSubjects.turnRecorded, recordedTurn({ turn_id: turnId, session_id: first.sessionId, agent_id: first.agentId }, { interrupted: true }));
      for (const client of [first.client, second.client]) {
        expect(await client.next('turn_metrics')).toMatchObject({ turn_id: turnId, interrupted: true, stt_latency_ms: null, provider: null });
      }
      // A marker on the other session proves its socket was listening when the turn went by.
      publish(elsewhere.sessionId, 'vad', { session_id: elsewhere.sessionId, kind: 'speech_started', utterance_id: randomUUID(), at_ms: 1 });
      await elsewhere.client.next('speech_started');
      expect(elsewhere.client.all('turn_metrics')).toEqual([]);
    });

    it('turns transcript and reply errors into service_error events naming the service', async () => {
      const { client, sessionId } = await ready();
      const turnId = randomUUID();
      publish(sessionId, 'transcript', {
        session_id: sessionId,
        utterance_id: randomUUID(),
        kind: 'error',
        text: '',
        error_code: 'stt_unavailable',
        error_message: 'WhisperX at ws://whisperx:4901 refused the connection; set WHISPERX_URL',
      });
      publish(sessionId, 'reply', { session_id: sessionId, turn_id: turnId, kind: 'error', seq: 0, error_code: 'llm_unavailable', error_message: 'OpenRouter answered 401: check the API key' });
      await expectEventually(() => expect(client.all('service_error')).toEqual([
        { code: 'stt_unavailable', message: 'WhisperX at ws://whisperx:4901 refused the connection; set WHISPERX_URL', service: 'stt-gateway' },
        { code: 'llm_unavailable', message: 'OpenRouter answered 401: check the API key', turn_id: turnId, service: 'llm-router' },
      ]));
    });

    it('on interrupt publishes a cancel on the session’s control stream and drops the turn’s audio still coming', async () => {
      const { client, sessionId } = await ready();
      const control = await tap(sessionId);
      const turnId = randomUUID();
      publish(sessionId, 'turn', { session_id: sessionId, turn_id: turnId, state: 'speaking' });
      bus.publishFrame(mediaSubject(sessionId, 'audio.out'), frameOut(1), { seq: 0, timestampMs: Date.now(), turnId });
      await expectEventually(() => expect(client.audio).toHaveLength(1));

      client.send({ type: 'interrupt' });
      const [cancel] = await control.expectEventually(() => {
        const events = control.on('control').map((r) => r.json as ControlEvent);
        expect(events).toHaveLength(1);
        return events;
      });
      expect(cancel).toEqual({ session_id: sessionId, action: 'cancel', reason: 'client_interrupt', at_ms: expect.any(Number) });

      const nextTurn = randomUUID();
      bus.publishFrame(mediaSubject(sessionId, 'audio.out'), frameOut(2), { seq: 1, timestampMs: Date.now(), turnId });
      bus.publishFrame(mediaSubject(sessionId, 'audio.out'), frameOut(3), { seq: 0, timestampMs: Date.now(), turnId: nextTurn });
      await expectEventually(() => expect(client.audio.map((a) => a[0])).toEqual([1, 3]));
    });
  });

  describe('closing', () => {
    it('on end releases stt, llm and tts, ends the session and closes 1000', async () => {
      const { client, sessionId } = await ready();
      client.send({ type: 'end' });
      expect(await client.closed).toEqual({ code: 1000, reason: 'ended by the client' });
      await expectEventually(() => expect(pipeline.releasedServices(sessionId)).toEqual(['llm', 'stt', 'tts']));
      await expectEventually(() => expect(store.updates).toContainEqual({ id: sessionId, active: false }));
    });

    it('when the client goes, releases the claims, stops the heartbeat and removes every subscription of the session', async () => {
      const { client, sessionId } = await ready();
      client.ws.close();
      await client.closed;
      await expectEventually(() => expect(pipeline.releasedServices(sessionId)).toEqual(['llm', 'stt', 'tts']));
      // A dropped socket may come back: the session stays open.
      expect(store.updates.filter((u) => u.id === sessionId && u.active === false)).toEqual([]);
      await expectEventually(() => expect(service.app.get(VoiceServer).socketCount).toBe(0));

      const streams: MediaStream[] = ['vad', 'transcript', 'reply', 'turn', 'control', 'audio.out', 'audio.in'];
      const reached = await messagesReachingGateway(() => {
        for (const stream of streams) bus.publishJson(mediaSubject(sessionId, stream), { session_id: sessionId });
      });
      expect(reached).toBe(1); // the census ping only

      const claimsAtClose = pipeline.claimsOf(sessionId).length;
      const releasedAtMs = Math.max(...pipeline.releases.filter((r) => r.session_id === sessionId).map((r) => r.atMs));
      await expectEventually(() => expect(Date.now() - releasedAtMs).toBeGreaterThan(LEASE_MS), { timeoutMs: LEASE_MS + 1_000 });
      expect(pipeline.claimsOf(sessionId).length).toBe(claimsAtClose);
      expect(metricValue(await metrics(), 'webrtc_voice_sockets')).toBe(0);
    });

    it('cuts off a client that stops answering pings, and lets its session go', async () => {
      const agentId = agents.add().id;
      const client = open({ token: TOKEN, agent_id: agentId }, { autoPong: false });
      const { session_id: sessionId } = await client.next('ready');
      expect((await client.closed).code).toBe(1006);
      await expectEventually(() => expect(pipeline.releasedServices(sessionId)).toEqual(['llm', 'stt', 'tts']));
    });

    it('on shutdown tells every client the server is going away and lets their sessions go', async () => {
      const gateway = await bootService(definition, env());
      const agentId = agents.add().id;
      const client = VoiceClient.connect(`${gateway.baseUrl.replace('http', 'ws')}/ws/voice?agent_id=${agentId}&token=${TOKEN}`);
      const { session_id: sessionId } = await client.next('ready');
      await gateway.close();
      expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
      // Released before close() returned: the bus was still up.
      expect(pipeline.releasedServices(sessionId)).toEqual(['llm', 'stt', 'tts']);
    });

    it('closes 1013 on a client that does not read its audio, and lets its session go', async () => {
      // A replica of its own that pings rarely: the frozen client must be caught by its backlog, not by a missing pong.
      const gateway = await bootService(definition, env({ VOICE_PING_INTERVAL_MS: '60000' }));
      const agentId = agents.add().id;
      const { socket, sessionId } = await rawVoiceSocket(gateway.baseUrl, `/ws/voice?agent_id=${agentId}&token=${TOKEN}`, () =>
        [...store.sessions.values()].find((s) => s.agent_id === agentId)?.id,
      );
      try {
        socket.pause(); // the browser tab froze: nothing is read any more
        const turnId = randomUUID();
        // Far more than the kernel's socket buffers: the gateway's own backlog must pass 1 s of audio.
        for (let seq = 0; seq < 20_000 && pipeline.releasedServices(sessionId).length === 0; seq++) {
          bus.publishFrame(mediaSubject(sessionId, 'audio.out'), frameOut(seq % 250), { seq, timestampMs: Date.now(), turnId });
          if (seq % 500 === 0) await bus.connection.flush();
        }
        await expectEventually(() => expect(pipeline.releasedServices(sessionId)).toEqual(['llm', 'stt', 'tts']), { timeoutMs: 10_000 });
        const text = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
        expect(metricValue(text, 'webrtc_voice_closes_total', 'code="1013"')).toBe(1);
      } finally {
        socket.destroy();
        await gateway.close();
      }
    });
  });

  describe('resuming', () => {
    it('a reconnect with the session id claims the same session again and says resumed', async () => {
      const first = await ready();
      first.client.ws.close();
      await expectEventually(() => expect(pipeline.releasedServices(first.sessionId)).toEqual(['llm', 'stt', 'tts']));
      const claimsBefore = pipeline.claimsOf(first.sessionId).length;

      const again = await ready({ agent_id: first.agentId, session_id: first.sessionId });
      expect(again.ready).toMatchObject({ session_id: first.sessionId, resumed: true });
      expect(pipeline.claimsOf(first.sessionId).length).toBe(claimsBefore + 3);
      await expectEventually(() => expect(again.client.states()).toEqual(['listening']));
    });

    it('reactivates a session that had ended', async () => {
      const agentId = agents.add().id;
      const ended = store.add({ agent_id: agentId, active: false, ended_at: new Date().toISOString() });
      const { ready: data } = await ready({ agent_id: agentId, session_id: ended.id.toUpperCase() });
      expect(data).toMatchObject({ session_id: ended.id, resumed: true });
      expect(store.updates).toContainEqual({ id: ended.id, active: true });
      expect(store.sessions.get(ended.id)?.active).toBe(true);
    });
  });
});

/**
 * A WebSocket opened by hand over TCP, so the test can stop reading it like a frozen tab: resolves
 * once the handshake is done and the session exists.
 */
async function rawVoiceSocket(baseUrl: string, path: string, sessionIdNow: () => string | undefined): Promise<{ socket: Socket; sessionId: string }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = tcpConnect({ host: hostname, port: Number(port) });
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from(randomUUID().slice(0, 16)).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  // `ready` is the first text frame after the 101 response.
  await expectEventually(() => expect(received).toMatch(/^HTTP\/1\.1 101[\s\S]*"event":"ready"/));
  const sessionId = await expectEventually(() => {
    const id = sessionIdNow();
    if (id === undefined) throw new Error('no session yet');
    return id;
  });
  return { socket, sessionId };
}

/** session-store's live `turnRecorded`: the user's and the assistant's messages as stored. */
function recordedTurn(ids: { turn_id: string; session_id: string; agent_id: string }, answer: Partial<MessageDto>): TurnRecordedEvent {
  const base: MessageDto = {
    id: randomUUID(),
    session_id: ids.session_id,
    turn_id: ids.turn_id,
    role: 'user',
    content: 'hi',
    speaker: null,
    created_at: new Date().toISOString(),
    stt_latency_ms: null,
    llm_ttft_ms: null,
    tts_ttfb_ms: null,
    total_latency_ms: null,
    overhead_ms: null,
    interrupted: false,
    provider: null,
    model: null,
    timeline: null,
  };
  return { ...ids, messages: [base, { ...base, id: randomUUID(), role: 'assistant', content: 'hello', ...answer }] };
}
