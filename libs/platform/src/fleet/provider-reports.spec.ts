import { freePort } from '@voxbridge/testing';
import { createServer, type Server } from 'node:net';
import { commandAvailable, serverReachable, ProviderReports, publicUrl, type ProbeResult, type ProviderDescription } from './provider-reports';

function llm(probe: () => Promise<ProbeResult>, target = 'http://127.0.0.1:11434/v1'): ProviderDescription {
  return { stage: 'llm', kind: 'auto', resolved: 'ollama', target, probe };
}

describe(ProviderReports.name, () => {
  let clock: Date;
  const later = (ms: number) => (clock = new Date(clock.getTime() + ms));

  beforeEach(() => {
    clock = new Date('2026-12-04T10:00:00Z');
  });

  it('reports nothing for a service that registered no providers', () => {
    expect(new ProviderReports().report()).toEqual([]);
  });

  it('answers "not checked yet" at once, then what the background check found', async () => {
    const sut = new ProviderReports(30_000, () => clock);
    sut.register(() => [llm(() => Promise.resolve({ reachable: false, detail: 'ECONNREFUSED' }))]);
    expect(sut.report()).toEqual([
      { stage: 'llm', kind: 'auto', resolved: 'ollama', target: 'http://127.0.0.1:11434/v1', reachable: null, checked_at: null },
    ]);
    await sut.settled();
    expect(sut.report()).toEqual([
      {
        stage: 'llm',
        kind: 'auto',
        resolved: 'ollama',
        target: 'http://127.0.0.1:11434/v1',
        reachable: false,
        checked_at: '2026-12-04T10:00:00.000Z',
        detail: 'ECONNREFUSED',
      },
    ]);
  });

  it('checks again only once the last result is older than the cache age', async () => {
    let probes = 0;
    const sut = new ProviderReports(30_000, () => clock);
    sut.register(() => [llm(() => Promise.resolve({ reachable: ++probes > 1 }))]);
    await sut.settled();
    later(29_999);
    sut.report();
    await sut.settled();
    expect(probes).toBe(1);
    later(1);
    expect(sut.report()[0]?.reachable).toBe(false); // the stale answer, while the new check runs
    await sut.settled();
    expect(probes).toBe(2);
    expect(sut.report()[0]).toMatchObject({ reachable: true, checked_at: '2026-12-04T10:00:30.000Z' });
  });

  it('runs one check at a time however often it is asked', async () => {
    let probes = 0;
    let answer: (result: ProbeResult) => void = () => undefined;
    const sut = new ProviderReports(30_000, () => clock);
    sut.register(() => [llm(() => new Promise((resolve) => ((probes += 1), (answer = resolve))))]);
    sut.report();
    sut.report();
    answer({ reachable: true });
    await sut.settled();
    expect(probes).toBe(1);
  });

  it('reports a probe that throws as not reachable, and marks fakes', async () => {
    const sut = new ProviderReports(30_000, () => clock);
    sut.register(() => [{ ...llm(() => Promise.reject(new Error('boom'))), fake: true }]);
    await sut.settled();
    expect(sut.report()[0]).toMatchObject({ reachable: false, detail: 'boom', fake: true });
  });

  it('names the local engine a check found, but not the HTTP status of a server that answers', async () => {
    const sut = new ProviderReports(30_000, () => clock);
    sut.register(() => [
      { stage: 'tts', kind: 'auto', resolved: 'local', target: 'local', detail: 'flite / espeak-ng', probe: () => Promise.resolve({ reachable: true, detail: 'espeak-ng' }) },
      llm(() => Promise.resolve({ reachable: true, detail: 'HTTP 404' })),
    ]);
    await sut.settled();
    expect(sut.report().map((p) => p.detail)).toEqual(['espeak-ng', undefined]);
  });

  it('never reports credentials of a target URL', () => {
    const sut = new ProviderReports(30_000, () => clock);
    sut.register(() => [llm(() => Promise.resolve({ reachable: true }), 'https://user:secret@llm.example/v1?key=abc')]);
    expect(sut.report()[0]?.target).toBe('https://llm.example/v1');
  });
});

describe(publicUrl.name, () => {
  it('drops user, password, query and a trailing slash', () => {
    expect(publicUrl('ws://me:pw@127.0.0.1:4901/?token=x')).toBe('ws://127.0.0.1:4901');
    expect(publicUrl('not a url')).toBe('invalid URL');
  });
});

describe(serverReachable.name, () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts a server accepting connections as reachable, for http and ws URLs, without sending a request', async () => {
    expect(await serverReachable(`http://127.0.0.1:${port}/v1`)).toEqual({ reachable: true });
    expect(await serverReachable(`ws://127.0.0.1:${port}`)).toEqual({ reachable: true });
  });

  it('reports a closed port as not reachable, naming why', async () => {
    expect(await serverReachable(`http://127.0.0.1:${await freePort()}`, 1_000)).toEqual({ reachable: false, detail: 'ECONNREFUSED' });
    expect(await serverReachable('no url')).toEqual({ reachable: false, detail: 'invalid URL' });
  });
});

describe(commandAvailable.name, () => {
  it('finds a command on PATH, and says when one is missing', async () => {
    expect(await commandAvailable('sh')).toEqual({ reachable: true, detail: expect.stringMatching(/\/sh$/) });
    expect(await commandAvailable('surely-not-installed-vb')).toEqual({ reachable: false, detail: 'surely-not-installed-vb not found on PATH' });
  });
});
