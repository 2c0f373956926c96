import { Bus } from '@voxbridge/bus';
import { mediaSubject, type ReplyEvent, type TranscriptEvent, type TurnEvent } from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { expectEventually, testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

interface LiveMessage {
  event: string;
  data: Record<string, unknown>;
}

/** A /ws/events client that records every message. */
class EventsClient {
  readonly messages: LiveMessage[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as LiveMessage));
  }

  static open(url: string): Promise<EventsClient> {
    const ws = new WebSocket(url);
    const client = new EventsClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Voice events only (not ready / subscribed). */
  voice(): LiveMessage[] {
    return this.messages.filter((m) => !['ready', 'subscribed'].includes(m.event));
  }

  async subscribe(sessionId: string): Promise<void> {
    this.ws.send(JSON.stringify({ action: 'subscribe', session_id: sessionId }));
    await expectEventually(() => expect(this.messages.map((m) => m.event)).toContain('subscribed'));
  }
}

describe('/ws/events voice events (agent-api, NATS and Postgres real; pipeline events published by the test)', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  const clients: EventsClient[] = [];

  const open = async () => {
    const client = await EventsClient.open(`${api.baseUrl.replace('http', 'ws')}/ws/events?token=${api.adminKey}`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    api = await startAgentApi();
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'voice-events-test', logger: testLogger('voice-events-test') });
  });

  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    await bus?.drain();
    await api?.close();
  });

  it('relays transcripts, reply chunks, completions, errors and turn states of the subscribed session as {event, data}', async () => {
    const sessionId = randomUUID();
    const otherSessionId = randomUUID();
    const mine = await open();
    const other = await open();
    await mine.subscribe(sessionId);
    await other.subscribe(otherSessionId);

    const utteranceId = randomUUID();
    const turnId = randomUUID();
    const transcript = (kind: TranscriptEvent['kind'], extra: Partial<TranscriptEvent> = {}): TranscriptEvent => ({
      session_id: sessionId,
      utterance_id: utteranceId,
      kind,
      text: '',
      ...extra,
    });
    const reply = (seq: number, kind: ReplyEvent['kind'], extra: Partial<ReplyEvent> = {}): ReplyEvent => ({ session_id: sessionId, turn_id: turnId, seq, kind, ...extra });
    const turn: TurnEvent = { session_id: sessionId, turn_id: turnId, state: 'speaking', tts_ttfb_ms: 90 };

    bus.publishJson(mediaSubject(sessionId, 'transcript'), transcript('partial', { text: 'what is' }));
    bus.publishJson(mediaSubject(sessionId, 'transcript'), transcript('final', { text: 'what is the time', speaker: 'Ada', stt_latency_ms: 120 }));
    bus.publishJson(mediaSubject(sessionId, 'reply'), reply(0, 'delta', { text: 'It is', provider: 'openrouter', model: 'm', llm_ttft_ms: 300 }));
    bus.publishJson(mediaSubject(sessionId, 'reply'), reply(1, 'done', { text: 'It is noon.', provider: 'openrouter', model: 'm' }));
    bus.publishJson(mediaSubject(sessionId, 'turn'), turn);
    bus.publishJson(mediaSubject(sessionId, 'reply'), reply(2, 'error', { error_code: 'timeout', error_message: 'the model did not answer' }));
    bus.publishJson(mediaSubject(sessionId, 'transcript'), transcript('error', { error_code: 'unavailable', error_message: 'WhisperX is unreachable' }));

    await expectEventually(() => expect(mine.voice()).toHaveLength(7));
    // One bus subscription per stream: order holds within a stream, not across streams.
    expect(mine.voice()).toEqual(expect.arrayContaining([
      { event: 'partial_transcript', data: { session_id: sessionId, utterance_id: utteranceId, text: 'what is' } },
      { event: 'final_transcript', data: { session_id: sessionId, utterance_id: utteranceId, text: 'what is the time', speaker: 'Ada' } },
      { event: 'ai_response_chunk', data: { session_id: sessionId, turn_id: turnId, text: 'It is' } },
      { event: 'ai_response_complete', data: { session_id: sessionId, turn_id: turnId, text: 'It is noon.', provider: 'openrouter', model: 'm' } },
      { event: 'turn_state', data: { session_id: sessionId, turn_id: turnId, state: 'speaking' } },
      { event: 'service_error', data: { session_id: sessionId, turn_id: turnId, source: 'llm', code: 'timeout', message: 'the model did not answer' } },
      {
        event: 'service_error',
        data: { session_id: sessionId, utterance_id: utteranceId, source: 'stt', code: 'unavailable', message: 'WhisperX is unreachable' },
      },
    ]));
    expect(mine.voice().filter((m) => m.event.endsWith('_transcript')).map((m) => m.event)).toEqual(['partial_transcript', 'final_transcript']);

    // The hub already relayed all seven (the first client has them): had they matched, the second client would hold them too.
    bus.publishJson(mediaSubject(otherSessionId, 'turn'), { session_id: otherSessionId, turn_id: randomUUID(), state: 'listening' });
    await expectEventually(() => expect(other.voice()).toHaveLength(1));
    expect(other.voice()).toEqual([{ event: 'turn_state', data: expect.objectContaining({ session_id: otherSessionId, state: 'listening' }) }]);
  });
});
