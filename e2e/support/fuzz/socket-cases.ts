import { nestedArrays } from './junk';
import type { Prng } from './prng';
import { errorMessages, isRefusalClose, SocketProbe, type SocketRecord } from './socket-probe';

export interface SocketTargets {
  /** ws://host:port of agent-api (`/ws/events`). */
  agentApiWs: string;
  /** ws://host:port of webrtc-gateway (`/ws/voice`). */
  voiceWs: string;
  fuzzKey: string;
  revokedKey: string;
  agentId: string;
  /** A voice token minted for `agentId` (good for that agent only). */
  voiceToken: string;
  otherAgentId: string;
}

export interface SocketCase {
  id: number;
  name: string;
  /** The case opens a voice session that is accepted: it may write (a new session row). */
  writes: boolean;
  run: (targets: SocketTargets) => Promise<string[]>;
}

const NONEXISTENT_ID = '00000000-0000-4000-8000-00000000f022';

/** Junk text for either socket; `field` is the socket's command key (`action` or `type`). */
function junkTexts(prng: Prng, field: 'action' | 'type'): Array<[string, string]> {
  const texts: Array<[string, string]> = [
    ['empty text', ''],
    ['blank text', '   '],
    ['"pong"', 'pong'],
    ['"PING!"', 'PING!'],
    ['"{"', '{'],
    ['"[]"', '[]'],
    ['"null"', 'null'],
    ['"1"', '1'],
    ['a JSON string', '"ping"'],
    ['{}', '{}'],
    ['unknown type', JSON.stringify({ [field]: 'explode' })],
    ['type as a number', JSON.stringify({ [field]: 1 })],
    ['type null', JSON.stringify({ [field]: null })],
    ['type as an array', JSON.stringify({ [field]: ['ping'] })],
    ['type as an object', JSON.stringify({ [field]: { ping: true } })],
    ['type with NUL', JSON.stringify({ [field]: 'pi\u0000ng' })],
    ['type as a lone surrogate', `{"${field}":"\\ud800"}`],
    ['type of 3000 chars', JSON.stringify({ [field]: 'x'.repeat(3000) })],
    ['unknown field', JSON.stringify({ [field]: field === 'action' ? 'ping' : 'mute', extra: 1 })],
    ['"__proto__" key', `{"__proto__":{"${field}":"${field === 'action' ? 'ping' : 'mute'}"}}`],
    ['"constructor" key', `{"${field}":"${field === 'action' ? 'ping' : 'mute'}","constructor":{"prototype":{"x":1}}}`],
    ['"prototype" key', `{"${field}":"${field === 'action' ? 'ping' : 'mute'}","prototype":1}`],
    ['arrays nested 1000 deep', nestedArrays(1000)],
    ['1e309', '1e309'],
  ];
  if (field === 'action') {
    for (const [label, value] of [
      ['"x"', '"x"'],
      ['a number', '1'],
      ['null', 'null'],
      ['empty', '""'],
      ['NUL', '"\\u0000"'],
      ['a lone surrogate', '"\\udc00"'],
      ['nonexistent uuid + "x"', `"${NONEXISTENT_ID}x"`],
      ['an object', '{"$gt":""}'],
    ]) {
      texts.push([`subscribe with session_id ${label}`, `{"action":"subscribe","session_id":${value}}`]);
      texts.push([`subscribe with agent_id ${label}`, `{"action":"subscribe","agent_id":${value}}`]);
    }
    texts.push(['subscribe with both ids', JSON.stringify({ action: 'subscribe', session_id: NONEXISTENT_ID, agent_id: NONEXISTENT_ID })]);
    texts.push(['subscribe with no id', JSON.stringify({ action: 'subscribe' })]);
    texts.push(['ping with an id', JSON.stringify({ action: 'ping', agent_id: NONEXISTENT_ID })]);
  }
  for (let i = 0; i < 30; i++) texts.push([`random text #${i}`, prng.text(prng.int(1, 80))]);
  for (let i = 0; i < 10; i++) {
    const key = prng.text(prng.int(1, 8));
    texts.push([`random JSON #${i}`, JSON.stringify({ [key]: prng.text(prng.int(0, 20)), [field]: prng.text(prng.int(0, 6)) })]);
  }
  return texts;
}

/** The answer to a bad message: an error event naming it, or a close with a refusal code and a reason. */
function answeredOrClosed(record: SocketRecord, errorEvent: string, errorsBefore: number): boolean {
  return errorMessages(record, errorEvent).length > errorsBefore || record.close !== undefined || record.refused !== undefined;
}

function judgeAnswer(record: SocketRecord, errorEvent: string, errorsBefore: number, allowed: (code: number) => boolean = isRefusalClose): string[] {
  const errors = errorMessages(record, errorEvent).slice(errorsBefore);
  if (errors.length > 0) {
    const problems: string[] = [];
    for (const error of errors) {
      if (typeof error['code'] !== 'string' || error['code'] === '') problems.push(`${errorEvent} without a code: ${JSON.stringify(error).slice(0, 200)}`);
      if (typeof error['message'] !== 'string' || error['message'] === '') problems.push(`${errorEvent} without a message: ${JSON.stringify(error).slice(0, 200)}`);
    }
    return problems;
  }
  if (record.close) {
    const { code, reason } = record.close;
    const problems: string[] = [];
    if (!allowed(code)) problems.push(`closed with ${code} (${reason || 'no reason'}), not a 4xxx/1008/1009 refusal`);
    // 1009 too: both services read messages up to 1 MiB and close an oversized one saying how big it
    // was and what the limit is (only beyond 1 MiB does `ws` close first, without a reason).
    if (reason.trim() === '') problems.push(`closed with ${code} and no reason`);
    return problems;
  }
  if (record.refused) return [`the upgrade was refused with HTTP ${record.refused.status}: ${record.refused.body}`];
  return [`no answer and no close within the bound${record.error ? ` (${record.error})` : ''}`];
}

/** An HTTP refusal of the upgrade: a 4xx with the API's error shape, naming the problem. */
function judgeRefusedUpgrade(record: SocketRecord, status: number, code: string): string[] {
  if (!record.refused) {
    if (record.close) return [`the upgrade was accepted, then closed ${record.close.code} (${record.close.reason}); expected HTTP ${status}`];
    return [`the upgrade was accepted${record.opened ? '' : ' or never answered'}; expected HTTP ${status}`];
  }
  const problems: string[] = [];
  if (record.refused.status !== status) problems.push(`HTTP ${record.refused.status}, not ${status}: ${record.refused.body}`);
  try {
    const body = JSON.parse(record.refused.body) as { error?: { code?: unknown; message?: unknown } };
    if (body.error?.code !== code) problems.push(`error.code ${String(body.error?.code)}, not ${code}`);
    if (typeof body.error?.message !== 'string' || body.error.message === '') problems.push('no error.message');
  } catch {
    problems.push(`a body that is not JSON: ${record.refused.body}`);
  }
  return problems;
}

async function withProbe(url: string, headers: Record<string, string>, use: (probe: SocketProbe) => Promise<string[]>): Promise<string[]> {
  const probe = new SocketProbe(url, headers);
  try {
    return await use(probe);
  } finally {
    await probe.close();
  }
}

const opened = (probe: SocketProbe) => probe.until((r) => r.opened || r.close !== undefined || r.refused !== undefined || r.error !== undefined);

/** Every socket case of both contracts, numbered from `firstId`. */
export function socketCases(prng: Prng, firstId: number): SocketCase[] {
  const cases: Array<Omit<SocketCase, 'id'>> = [];
  const events = (t: SocketTargets, query = '') => `${t.agentApiWs}/ws/events${query}`;
  const voice = (t: SocketTargets, query: string) => `${t.voiceWs}/ws/voice${query}`;
  const enc = encodeURIComponent;

  // ---- /ws/events: the upgrade without a valid key -----------------------------------------------------
  const badEventCredentials: Array<[string, (t: SocketTargets) => { query: string; headers: Record<string, string> }]> = [
    ['no key', () => ({ query: '', headers: {} })],
    ['an empty ?token=', () => ({ query: '?token=', headers: {} })],
    ['an unknown key', () => ({ query: `?token=vbk_${'Q'.repeat(43)}`, headers: {} })],
    ['a revoked key', (t) => ({ query: `?token=${enc(t.revokedKey)}`, headers: {} })],
    ['a tampered key', (t) => ({ query: `?token=${enc(`${t.fuzzKey}x`)}`, headers: {} })],
    ['a 10k-char key', () => ({ query: `?token=${'A'.repeat(10_000)}`, headers: {} })],
    ['a NUL key', () => ({ query: '?token=%00', headers: {} })],
    ['a voice token (not an API key)', (t) => ({ query: `?token=${enc(t.voiceToken)}`, headers: {} })],
    ['Basic credentials', () => ({ query: '', headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } })],
    ['a revoked key as Bearer', (t) => ({ query: '', headers: { authorization: `Bearer ${t.revokedKey}` } })],
  ];
  for (const [what, credentials] of badEventCredentials) {
    cases.push({
      name: `/ws/events with ${what}: HTTP 401 before any socket`,
      writes: false,
      run: (t) => {
        const { query, headers } = credentials(t);
        return withProbe(events(t, query), headers, async (probe) => {
          await probe.until((r) => r.refused !== undefined || r.close !== undefined || r.error !== undefined);
          return judgeRefusedUpgrade(probe.record, 401, 'unauthorized');
        });
      },
    });
  }

  // ---- /ws/events: junk after the upgrade, sent before the server's `ready` ---------------------------------
  const eventJunk: Array<[string, string | Buffer]> = [
    ...junkTexts(prng, 'action'),
    ...[0, 1, 640, 4096].map((size): [string, Buffer] => [`a binary frame of ${size} bytes`, Buffer.alloc(size, 7)]),
  ];
  for (const [what, message] of eventJunk) {
    cases.push({
      name: `/ws/events: ${what}, sent before "ready"`,
      writes: false,
      run: (t) =>
        withProbe(events(t, `?token=${enc(t.fuzzKey)}`), {}, async (probe) => {
          if (!(await opened(probe)) || !probe.record.opened) return [`the socket did not open: ${JSON.stringify(probe.record)}`];
          probe.send(message);
          await probe.until((r) => answeredOrClosed(r, 'error', 0));
          return judgeAnswer(probe.record, 'error', 0);
        }),
    });
  }
  for (const [what, message] of [
    ['a text of 4097 bytes', 'x'.repeat(4097)],
    ['a text of 100 KB', `{"action":"${'p'.repeat(100_000)}"}`],
    ['a binary frame of 4097 bytes', Buffer.alloc(4097, 1)],
    ['a binary frame of 1 MB', Buffer.alloc(1024 * 1024, 1)],
  ] as Array<[string, string | Buffer]>) {
    cases.push({
      name: `/ws/events: ${what} (over the 4 KB frame limit): close 1009`,
      writes: false,
      run: (t) =>
        withProbe(events(t, `?token=${enc(t.fuzzKey)}`), {}, async (probe) => {
          if (!(await opened(probe)) || !probe.record.opened) return ['the socket did not open'];
          probe.send(message);
          await probe.until((r) => r.close !== undefined);
          return judgeAnswer(probe.record, 'never-an-event', 0, (code) => code === 1009);
        }),
    });
  }

  // ---- /ws/voice: refused set-ups, with junk sent at once (before any auth is done) -------------------------
  const badVoiceQueries: Array<[string, (t: SocketTargets) => string, Record<string, string>?]> = [
    ['no credential', (t) => `?agent_id=${t.agentId}`],
    ['an empty token', (t) => `?agent_id=${t.agentId}&token=`],
    ['an unknown key', (t) => `?agent_id=${t.agentId}&token=vbk_${'Q'.repeat(43)}`],
    ['a revoked key', (t) => `?agent_id=${t.agentId}&token=${enc(t.revokedKey)}`],
    ['a tampered key', (t) => `?agent_id=${t.agentId}&token=${enc(`${t.fuzzKey}x`)}`],
    ['a 10k-char token', (t) => `?agent_id=${t.agentId}&token=${'A'.repeat(10_000)}`],
    ['a NUL token', (t) => `?agent_id=${t.agentId}&token=%00`],
    ['a tampered voice token', (t) => `?agent_id=${t.agentId}&token=${enc(`${t.voiceToken.slice(0, -2)}AA`)}`],
    ['a voice token for another agent', (t) => `?agent_id=${t.otherAgentId}&token=${enc(t.voiceToken)}`],
    ['Basic credentials', (t) => `?agent_id=${t.agentId}`, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['no agent_id', (t) => `?token=${enc(t.fuzzKey)}`],
    ['an empty agent_id', (t) => `?agent_id=&token=${enc(t.fuzzKey)}`],
    ['agent_id "abc"', (t) => `?agent_id=abc&token=${enc(t.fuzzKey)}`],
    ['agent_id ".."', (t) => `?agent_id=..&token=${enc(t.fuzzKey)}`],
    ['agent_id with NUL', (t) => `?agent_id=${t.agentId}%00&token=${enc(t.fuzzKey)}`],
    ['agent_id of 10k chars', (t) => `?agent_id=${'a'.repeat(10_000)}&token=${enc(t.fuzzKey)}`],
    ['agent_id unicode', (t) => `?agent_id=${enc('日本🎙️')}&token=${enc(t.fuzzKey)}`],
    ['agent_id invalid UTF-8', (t) => `?agent_id=%ED%A0%80&token=${enc(t.fuzzKey)}`],
    ['an agent nobody has', (t) => `?agent_id=${NONEXISTENT_ID}&token=${enc(t.fuzzKey)}`],
    ['session_id "abc"', (t) => `?agent_id=${t.agentId}&session_id=abc&token=${enc(t.fuzzKey)}`],
    ['an empty session_id', (t) => `?agent_id=${t.agentId}&session_id=&token=${enc(t.fuzzKey)}`],
    ['session_id with NUL', (t) => `?agent_id=${t.agentId}&session_id=${NONEXISTENT_ID}%00&token=${enc(t.fuzzKey)}`],
    ['a session nobody has', (t) => `?agent_id=${t.agentId}&session_id=${NONEXISTENT_ID}&token=${enc(t.fuzzKey)}`],
  ];
  const earlyJunk: Array<[string, string | Buffer]> = [
    ['nothing', ''],
    ['garbage text', 'garbage \u0001\u0002 {'],
    ['an "end"', '{"type":"end"}'],
    ['an audio frame', Buffer.alloc(640)],
  ];
  for (const [what, query, headers] of badVoiceQueries) {
    for (const [junkName, junk] of earlyJunk) {
      cases.push({
        name: `/ws/voice with ${what}, sending ${junkName} at once: refused`,
        writes: false,
        run: (t) =>
          withProbe(voice(t, query(t)), headers ?? {}, async (probe) => {
            await opened(probe);
            if (junkName !== 'nothing') probe.send(junk);
            await probe.until((r) => r.close !== undefined || r.refused !== undefined);
            // The client's own "end" may be honoured before the set-up is refused: a normal close is then right.
            const endedByClient = junkName === 'an "end"' ? (code: number) => code === 1000 || isRefusalClose(code) : isRefusalClose;
            const problems = judgeAnswer(probe.record, 'never-an-event', 0, endedByClient);
            if (errorMessages(probe.record, 'ready').length > 0) problems.push('the socket became ready');
            return problems;
          }),
      });
    }
  }
  cases.push({
    name: '/ws/voicex (no such socket): HTTP 404 naming the voice socket',
    writes: false,
    run: (t) =>
      withProbe(`${t.voiceWs}/ws/voicex?agent_id=${t.agentId}&token=${enc(t.fuzzKey)}`, {}, async (probe) => {
        await probe.until((r) => r.refused !== undefined || r.close !== undefined || r.error !== undefined);
        return judgeRefusedUpgrade(probe.record, 404, 'not_found');
      }),
  });

  // ---- /ws/voice: a live session (accepted: writes a session row), then junk ---------------------------------
  const live = (t: SocketTargets) => voice(t, `?agent_id=${t.agentId}&token=${enc(t.fuzzKey)}`);
  const ready = (probe: SocketProbe) => probe.until((r) => errorMessages(r, 'ready').length > 0 || r.close !== undefined || r.refused !== undefined);
  for (const size of [0, 1, 2, 320, 639, 641, 960, 1280, 4096, 65_536]) {
    cases.push({
      name: `/ws/voice live: a binary frame of ${size} bytes (frames are 640): service_error`,
      writes: true,
      run: (t) =>
        withProbe(live(t), {}, async (probe) => {
          if (!(await ready(probe)) || errorMessages(probe.record, 'ready').length === 0) return [`never ready: ${JSON.stringify(probe.record).slice(0, 400)}`];
          const before = errorMessages(probe.record, 'service_error').length;
          probe.send(Buffer.alloc(size, 3));
          await probe.until((r) => answeredOrClosed(r, 'service_error', before));
          return judgeAnswer(probe.record, 'service_error', before);
        }),
    });
  }
  for (const [what, message] of [
    ['a binary frame of 65537 bytes', Buffer.alloc(65_537, 1)],
    ['a binary frame of 1 MB', Buffer.alloc(1024 * 1024, 1)],
    ['a text of 65537 bytes', 'x'.repeat(65_537)],
  ] as Array<[string, string | Buffer]>) {
    cases.push({
      name: `/ws/voice live: ${what} (over the 64 KB limit): close 1009`,
      writes: true,
      run: (t) =>
        withProbe(live(t), {}, async (probe) => {
          if (!(await ready(probe)) || errorMessages(probe.record, 'ready').length === 0) return ['never ready'];
          probe.send(message);
          await probe.until((r) => r.close !== undefined);
          return judgeAnswer(probe.record, 'never-an-event', 0, (code) => code === 1009);
        }),
    });
  }
  // Text junk, one message at a time on one live socket (each is answered, none closes it).
  const voiceJunk = junkTexts(prng, 'type');
  let shared: SocketProbe | undefined;
  voiceJunk.forEach(([what, message], index) => {
    cases.push({
      name: `/ws/voice live: text ${what}: service_error, the socket stays`,
      writes: true,
      run: async (t) => {
        if (!shared || shared.record.close) {
          shared = new SocketProbe(live(t));
          if (!(await ready(shared)) || errorMessages(shared.record, 'ready').length === 0) return [`never ready: ${JSON.stringify(shared.record).slice(0, 400)}`];
        }
        const probe = shared;
        const before = errorMessages(probe.record, 'service_error').length;
        probe.send(message);
        await probe.until((r) => answeredOrClosed(r, 'service_error', before));
        const problems = judgeAnswer(probe.record, 'service_error', before);
        if (probe.record.close) problems.push(`the socket closed (${probe.record.close.code} ${probe.record.close.reason}) on a bad text message`);
        if (index === voiceJunk.length - 1 || probe.record.close) {
          await probe.close();
          shared = undefined;
        }
        return problems;
      },
    });
  });
  cases.push({
    name: '/ws/voice: garbage text sent before "ready": service_error',
    writes: true,
    run: (t) =>
      withProbe(live(t), {}, async (probe) => {
        if (!(await opened(probe)) || !probe.record.opened) return ['the socket did not open'];
        probe.send('{"type":"explode"}');
        await probe.until((r) => answeredOrClosed(r, 'service_error', 0));
        return judgeAnswer(probe.record, 'service_error', 0);
      }),
  });
  return cases.map((c, i) => ({ ...c, id: firstId + i }));
}

/** 50 sockets opened and dropped in a row (half before the upgrade completes), then one that must work. */
export async function rapidConnectDisconnect(url: string, count: number, works: (probe: SocketProbe) => Promise<boolean>): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < count; i++) {
    const probe = new SocketProbe(url);
    if (i % 2 === 0) {
      probe.socket.terminate(); // before the upgrade completes
    } else {
      await opened(probe);
      probe.socket.terminate(); // right after it opened, no close handshake
    }
    await Promise.race([probe.done, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }
  const probe = new SocketProbe(url);
  try {
    if (!(await works(probe))) problems.push(`after ${count} sockets opened and dropped, a new one does not work: ${JSON.stringify(probe.record).slice(0, 400)}`);
  } finally {
    await probe.close();
  }
  return problems;
}
