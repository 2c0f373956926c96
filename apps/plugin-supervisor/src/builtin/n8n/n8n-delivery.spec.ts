import { N8nDelivery, signatureOf, type N8nDeliveryOptions, type N8nEvent } from './n8n-delivery';

function event(text: string): N8nEvent {
  return { event: 'user_message', session_id: 's', agent_id: 'a', agent_name: 'Helper', role: 'user', text, occurred_at: '2026-12-04T10:00:00.000Z' };
}

/** A webhook scripted per attempt: a status, or a thrown network error. */
function harness(answers: Array<number | 'network'>, overrides: Partial<N8nDeliveryOptions> = {}) {
  const posted: Array<{ body: Record<string, unknown>; headers: Record<string, string> }> = [];
  const sleeps: number[] = [];
  const gaveUp: Array<number | string> = [];
  const sut = new N8nDelivery({
    url: 'http://hook',
    secret: undefined,
    timeoutMs: 1000,
    maxRetries: 3,
    retryBaseMs: 100,
    retryMaxMs: 250,
    queueMax: 10,
    post: (_url, body, headers) => {
      posted.push({ body: JSON.parse(body) as Record<string, unknown>, headers });
      const answer = answers.shift() ?? 200;
      return answer === 'network' ? Promise.reject(new TypeError('fetch failed')) : Promise.resolve(answer);
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    onGiveUp: (status) => gaveUp.push(status),
    ...overrides,
  });
  return { sut, posted, sleeps, gaveUp };
}

describe(N8nDelivery.name, () => {
  it('delivers in order, retrying a failure with exponential backoff before the next message', async () => {
    const { sut, posted, sleeps } = harness([500, 'network', 200, 200]);

    sut.enqueue(event('one'));
    sut.enqueue(event('two'));
    await sut.drained();

    expect(posted.map((p) => p.body['text'])).toEqual(['one', 'one', 'one', 'two']);
    expect(sleeps).toEqual([100, 200]);
    expect(sut.counters).toMatchObject({ delivered: 2, retried: 2, failed: 0, dropped: 0 });
  });

  it('gives up after the retries, counts it and moves on; a 4xx is not retried', async () => {
    const { sut, posted, gaveUp, sleeps } = harness([503, 503, 503, 503, 400, 200]);

    sut.enqueue(event('lost'));
    sut.enqueue(event('refused'));
    sut.enqueue(event('kept'));
    await sut.drained();

    expect(posted.map((p) => p.body['text'])).toEqual(['lost', 'lost', 'lost', 'lost', 'refused', 'kept']);
    expect(sleeps).toEqual([100, 200, 250]);
    expect(gaveUp).toEqual([503, 400]);
    expect(sut.counters).toMatchObject({ delivered: 1, failed: 2 });
  });

  it('keeps at most queueMax messages waiting and counts the overflow', async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<number>((resolve) => (release = () => resolve(200)));
    const { sut, posted } = harness([], { queueMax: 2, post: (_u, body) => (posted.push({ body: JSON.parse(body) as Record<string, unknown>, headers: {} }), posted.length === 1 ? blocked : Promise.resolve(200)) });

    for (const text of ['a', 'b', 'c', 'd', 'e']) sut.enqueue(event(text));
    release();
    await sut.drained();

    expect(posted.map((p) => p.body['text'])).toEqual(['a', 'b', 'c']);
    expect(sut.counters.dropped).toBe(2);
  });

  it('signs the exact body with HMAC-SHA256 when a secret is set', async () => {
    const { sut, posted } = harness([], { secret: 'k' });

    sut.enqueue(event('signed'));
    await sut.drained();

    const [first] = posted;
    expect(first?.headers['x-voxbridge-signature']).toBe(signatureOf('k', JSON.stringify(first?.body)));
    expect(first?.headers['x-voxbridge-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});
