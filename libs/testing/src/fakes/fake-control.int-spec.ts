import { expectEventually } from '../expect-eventually';
import { FAKE_CONTROL_PATHS, FakeControlClient } from './fake-control';
import { FakeOpenAiCompatibleServer, type FakeLlmRecord } from './llm';
import { FakeChatterboxServer, type FakeSpeechRecord } from './tts';

/** Real fake servers on 127.0.0.1, driven over HTTP as a test in another process would. */
describe(FakeControlClient.name, () => {
  describe('on the fake OpenAI-compatible LLM', () => {
    let fake: FakeOpenAiCompatibleServer;
    let sut: FakeControlClient<FakeLlmRecord>;

    beforeEach(async () => {
      fake = await FakeOpenAiCompatibleServer.start();
      fake.script({ tokens: ['Sticky', ' reply'] });
      sut = new FakeControlClient(new URL(fake.url).origin);
    });
    afterEach(() => fake.close());

    const complete = async (signal?: AbortSignal) => {
      const response = await fetch(`${fake.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer secret-key' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        signal,
      });
      return response;
    };

    it('reports a client that went away mid-reply, without recording its own requests or headers', async () => {
      await sut.scriptNext({ tokens: ['a', 'b', 'c'], fault: { kind: 'hang', afterTokens: 1 } });
      const aborter = new AbortController();
      const response = await complete(aborter.signal);
      const reader = response.body?.getReader();
      await reader?.read();
      aborter.abort();

      const record = await expectEventually(async () => {
        const seen = await sut.record();
        expect(seen.events.map((e) => e.type)).toContain('client_disconnected');
        return seen;
      });
      expect(record.requests).toHaveLength(1);
      expect(record.requests[0]).toMatchObject({ index: 0, path: '/v1/chat/completions', completed: false, clientDisconnected: true });
      expect(record.requests[0]).not.toHaveProperty('headers');
    });

    it('uses a posted script for the next request only, then the one it had', async () => {
      await sut.scriptNext({ tokens: ['Scripted'] });
      const first = await (await complete()).text();
      const second = await (await complete()).text();
      expect(first).toContain('"Scripted"');
      expect(first).not.toContain('Sticky');
      expect(second).toContain('"Sticky"');
      expect((await sut.record()).requests.map((r) => r.completed)).toEqual([true, true]);
    });
  });

  describe('on the fake Chatterbox TTS', () => {
    let fake: FakeChatterboxServer;
    let sut: FakeControlClient<FakeSpeechRecord>;

    beforeEach(async () => {
      fake = await FakeChatterboxServer.start();
      sut = new FakeControlClient(fake.url);
    });
    afterEach(() => fake.stop());

    it('reports a synthesis the client cancelled, with the text it was asked for', async () => {
      await sut.scriptNext({ hangAfterBytes: 1_000 });
      const aborter = new AbortController();
      const response = await fetch(`${fake.url}/audio/speech/stream/upload`, {
        method: 'POST',
        body: new URLSearchParams({ input: 'Hello there.', response_format: 'wav' }),
        signal: aborter.signal,
      });
      await response.body?.getReader().read();
      aborter.abort();

      const record = await expectEventually(async () => {
        const seen = await sut.record();
        expect(seen.events.map((e) => e.type)).toContain('client-disconnect');
        return seen;
      });
      expect(record.requests).toEqual([{ index: 0, method: 'POST', path: '/audio/speech/stream/upload', fields: { input: 'Hello there.', response_format: 'wav' } }]);
    });

    it('refuses a script that is not a list of objects, and changes nothing', async () => {
      const response = await fetch(`${fake.url}${FAKE_CONTROL_PATHS.scriptNext}`, { method: 'POST', body: '{"scripts": 3}' });
      expect(response.status).toBe(400);
      await expect(sut.scriptNext()).rejects.toThrow('HTTP 400');
      expect((await sut.record()).requests).toEqual([]);
    });
  });
});
