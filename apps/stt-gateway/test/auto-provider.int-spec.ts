import { randomUUID } from 'node:crypto';
import { AUDIO_IN_SAMPLE_RATE_HZ, bytesOf, FRAME_DURATION_MS, frameSamples } from '@voxbridge/audio';
import { Bus } from '@voxbridge/bus';
import { mediaSubject, sessionProtocol, streamName, type SessionClaimReply, type TranscriptEvent } from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory } from '@voxbridge/service-testing';
import { FakeOpenAiTranscriptionServer, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { SttGatewayEnv } from '../src/config/stt-gateway.env';

/**
 * `stt_provider: auto` decided by stt-gateway's own configuration. Real: stt-gateway in-process,
 * NATS, the pocketsphinx process (here a binary that does not exist). Fake: agent-api's
 * `agents.v1.agent.get` responder and the OpenAI-compatible transcription server.
 */

const definition = { service: 'stt-gateway' as const, env: SttGatewayEnv, module: AppModule.register.bind(AppModule) };
const SAMPLES = frameSamples(AUDIO_IN_SAMPLE_RATE_HZ);

const transcripts = (tap: SubjectTap, kind: TranscriptEvent['kind']) =>
  tap
    .on('transcript')
    .map((r) => r.json as TranscriptEvent)
    .filter((t) => t.kind === kind);

/** Half a second of quiet, 600 ms of a loud 300 Hz tone, then 700 ms of quiet: one utterance. */
function speakOnce(bus: Bus, sessionId: string): void {
  let nowMs = Date.now();
  let phase = 0;
  const send = (amplitude: number, ms: number) => {
    for (let t = 0; t < ms; t += FRAME_DURATION_MS) {
      const frame = new Int16Array(SAMPLES);
      for (let i = 0; i < SAMPLES; i++) {
        phase += (2 * Math.PI * 300) / AUDIO_IN_SAMPLE_RATE_HZ;
        frame[i] = Math.round(amplitude * Math.sin(phase));
      }
      bus.publishFrame(mediaSubject(sessionId, 'audio.in'), bytesOf(frame), { seq: Math.round(nowMs / FRAME_DURATION_MS), timestampMs: nowMs });
      nowMs += FRAME_DURATION_MS;
    }
  };
  send(0, 500);
  send(8_000, 600);
  send(0, 700);
}

describe('stt-gateway stt_provider auto', () => {
  const infra = testInfra();

  async function start(env: Record<string, string>) {
    const namespace = uniqueNamespace('stt-auto');
    const bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'stt-auto-test' });
    const directory = new FakeAgentDirectory(bus);
    const service = await bootService(definition, { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: namespace, STT_LEASE_MS: '60000', ...env });
    const taps: SubjectTap[] = [];
    return {
      bus,
      async utterance(): Promise<SubjectTap> {
        const agent = directory.add({ stt_provider: 'auto', silence_ms: 400 });
        const sessionId = randomUUID();
        const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
        taps.push(tap);
        const claim = await bus.requestJson<SessionClaimReply>(sessionProtocol('stt').claim.subject, { session_id: sessionId, agent_id: agent.id });
        expect(claim.taken).toBe(true);
        speakOnce(bus, sessionId);
        return tap;
      },
      async stop(): Promise<void> {
        await Promise.all(taps.map((tap) => tap.stop()));
        await service.close();
        const jsm = await bus.connection.jetstreamManager();
        await jsm.streams.delete(`KV_${streamName(namespace, 'leases-stt')}`).catch(() => false);
        directory.stop();
        await bus.drain();
      },
    };
  }

  describe('with only STT_OPENAI_BASE_URL set', () => {
    let openai: FakeOpenAiTranscriptionServer;
    let fleet: Awaited<ReturnType<typeof start>>;

    beforeAll(async () => {
      openai = await FakeOpenAiTranscriptionServer.start({ transcripts: ['auto picked the openai server'] });
      fleet = await start({ STT_OPENAI_BASE_URL: openai.baseUrl });
    });

    afterAll(async () => {
      await fleet?.stop();
      await openai?.stop();
    });

    it('transcribes with the OpenAI-compatible server and names it on the transcript', async () => {
      const tap = await fleet.utterance();

      const [final] = await tap.expectEventually(() => {
        const finals = transcripts(tap, 'final');
        expect(finals).toHaveLength(1);
        return finals;
      });
      expect(final).toMatchObject({ text: 'auto picked the openai server', provider: 'openai-compatible' });
      expect(openai.requests).toHaveLength(1);
    });
  });

  describe('with no provider configured and no offline engine installed', () => {
    let fleet: Awaited<ReturnType<typeof start>>;

    beforeAll(async () => {
      fleet = await start({ STT_LOCAL_BINARY: '/nonexistent/pocketsphinx_continuous' });
    });

    afterAll(async () => {
      await fleet?.stop();
    });

    it('reports a transcript error saying what to install or set', async () => {
      const tap = await fleet.utterance();

      const [error] = await tap.expectEventually(() => {
        const errors = transcripts(tap, 'error');
        expect(errors).toHaveLength(1);
        return errors;
      });
      expect(error).toMatchObject({ provider: 'pocketsphinx', error_code: 'stt_unavailable' });
      expect(error?.error_message).toContain('/nonexistent/pocketsphinx_continuous is not installed');
      expect(error?.error_message).toContain('install pocketsphinx and pocketsphinx-en-us');
      expect(error?.error_message).toMatch(/WHISPERX_URL.*STT_OPENAI_BASE_URL/);
    });
  });
});
