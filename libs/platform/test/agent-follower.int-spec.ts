import { Bus, BusNoRespondersError } from '@voxbridge/bus';
import { AgentEvent, AgentSubjects } from '@voxbridge/contracts';
import { expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AgentFollower, type AgentFollowerOptions } from '../src';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
/** Long enough never to come round within a test: the interval that must not be the one used. */
const NEVER_MS = 3_600_000;
const SMALL_MS = 10;


describe(AgentFollower.name, () => {
  const namespace = uniqueNamespace('agfollow');
  let bus: Bus;
  /** agent-api's side: it announces the agents' changes. */
  let api: Bus;
  let sut: AgentFollower | undefined;
  /** What the service was asked to do, in order. */
  let calls: string[];
  let warnings: { msg: string; fields: Record<string, unknown> }[];
  /** While set, the full list fails as it does when agent-api is not running. */
  let agentApiDown: boolean;
  /** While set, the full list waits for it. */
  let listGate: Promise<void> | undefined;
  /** While set, a refresh waits for it. */
  let refreshGate: Promise<void> | undefined;
  /** While set, a refresh fails as it does when agent-api is not running. */
  let refreshFails: boolean;
  /** The gates still shut (opened after each test, so that a failed test still stops). */
  let shut: (() => void)[];

  /** A gate the test holds shut to keep a change under way. */
  const gate = (): { wait: Promise<void>; open: () => void } => {
    let open = () => undefined as void;
    const wait = new Promise<void>((resolve) => (open = resolve));
    shut.push(open);
    return { wait, open };
  };

  const follow = async (intervals: { firstSyncRetryMs: number; resyncMs: number }): Promise<AgentFollower> => {
    const options: AgentFollowerOptions = {
      refresh: async (agentId) => {
        calls.push(`refresh ${agentId}`);
        await refreshGate;
        if (refreshFails) throw new BusNoRespondersError('agents.v1.discord-bot.list');
        calls.push(`refreshed ${agentId}`);
      },
      forget: (agentId) => {
        calls.push(`forget ${agentId}`);
        return Promise.resolve();
      },
      syncAll: async () => {
        calls.push('list');
        await listGate;
        if (agentApiDown) throw new BusNoRespondersError('agents.v1.discord-bot.list');
        calls.push('listed');
      },
      ...intervals,
      logger: { warn: (msg, fields = {}) => warnings.push({ msg, fields }) },
      messages: { changeFailed: 'thing change not applied', syncFailed: 'things not listed: agent-api did not answer' },
    };
    sut = new AgentFollower(bus, options);
    await sut.start();
    return sut;
  };

  const announce = async (subject: (typeof AgentSubjects)['created' | 'updated' | 'deleted'], id: string) => {
    const event: AgentEvent = { id };
    api.publishJson(subject, event);
    await api.connection.flush();
  };

  /** The announcements so far have reached the follower's connection and its handlers have run. */
  const delivered = async () => {
    await bus.connection.flush();
    await new Promise((resolve) => setImmediate(resolve));
  };

  const count = (call: string) => calls.filter((c) => c === call).length;

  beforeAll(async () => {
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'agent-follower-test', logger: quiet });
    api = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'fake-agent-api', logger: quiet });
  });

  beforeEach(() => {
    calls = [];
    warnings = [];
    agentApiDown = false;
    listGate = undefined;
    refreshGate = undefined;
    refreshFails = false;
    shut = [];
  });

  afterEach(async () => {
    for (const open of shut) open();
    await sut?.stop();
    sut = undefined;
  });

  afterAll(async () => {
    await bus?.drain();
    await api?.drain();
  });

  it('lists at once on start, before any interval has passed', async () => {
    const follower = await follow({ firstSyncRetryMs: NEVER_MS, resyncMs: NEVER_MS });

    await expectEventually(() => expect(follower.synced).toBe(true));
    expect(calls).toEqual(['list', 'listed']);
  });

  it('refreshes on created and updated and forgets on deleted, one change at a time in arrival order', async () => {
    const follower = await follow({ firstSyncRetryMs: NEVER_MS, resyncMs: NEVER_MS });
    await expectEventually(() => expect(follower.synced).toBe(true));
    const [a, b] = [randomUUID(), randomUUID()];
    const refreshed = gate();
    refreshGate = refreshed.wait;

    await announce(AgentSubjects.created, a);
    await expectEventually(() => expect(calls).toContain(`refresh ${a}`));
    await announce(AgentSubjects.updated, b);
    await delivered();
    await announce(AgentSubjects.deleted, a);
    await delivered();
    refreshed.open();

    await expectEventually(() => expect(calls).toContain(`forget ${a}`));
    expect(calls).toEqual(['list', 'listed', `refresh ${a}`, `refreshed ${a}`, `refresh ${b}`, `refreshed ${b}`, `forget ${a}`]);
  });

  it('logs a failed change in the service’s words and goes on with the next one', async () => {
    const follower = await follow({ firstSyncRetryMs: NEVER_MS, resyncMs: NEVER_MS });
    await expectEventually(() => expect(follower.synced).toBe(true));
    const [a, b] = [randomUUID(), randomUUID()];
    refreshFails = true;

    await announce(AgentSubjects.updated, a);
    await expectEventually(() => expect(warnings).toHaveLength(1));
    await announce(AgentSubjects.deleted, b);

    await expectEventually(() => expect(calls).toContain(`forget ${b}`));
    expect(warnings).toEqual([{ msg: 'thing change not applied', fields: { code: 'no_responders', message: 'agent-api is not running' } }]);
    expect(calls).toEqual(['list', 'listed', `refresh ${a}`, `forget ${b}`]);
  });

  it('retries a failing list at the first-sync retry interval, and is synced only once one succeeds', async () => {
    agentApiDown = true;
    const follower = await follow({ firstSyncRetryMs: SMALL_MS, resyncMs: NEVER_MS });

    await expectEventually(() => expect(count('list')).toBeGreaterThanOrEqual(3));
    expect(follower.synced).toBe(false);
    expect(warnings[0]).toEqual({ msg: 'things not listed: agent-api did not answer', fields: { code: 'no_responders', message: 'agent-api is not running' } });
    agentApiDown = false;

    await expectEventually(() => expect(follower.synced).toBe(true));
    expect(calls.slice(-2)).toEqual(['list', 'listed']);
    expect(warnings.length).toBe(count('list') - 1);
  });

  it('lists again at the resync interval once a list has succeeded, failures included', async () => {
    const follower = await follow({ firstSyncRetryMs: NEVER_MS, resyncMs: SMALL_MS });
    await expectEventually(() => expect(follower.synced).toBe(true));
    agentApiDown = true;

    await expectEventually(() => expect(warnings.length).toBeGreaterThanOrEqual(2));
    expect(follower.synced).toBe(true);
    agentApiDown = false;

    await expectEventually(() => expect(count('listed')).toBeGreaterThanOrEqual(2));
  });

  it('keeps the lists in the same queue as the events', async () => {
    const listed = gate();
    listGate = listed.wait;
    const follower = await follow({ firstSyncRetryMs: NEVER_MS, resyncMs: NEVER_MS });
    const a = randomUUID();
    await expectEventually(() => expect(calls).toEqual(['list']));

    await announce(AgentSubjects.updated, a);
    await delivered();
    listed.open();

    await expectEventually(() => expect(calls).toContain(`refreshed ${a}`));
    expect(calls).toEqual(['list', 'listed', `refresh ${a}`, `refreshed ${a}`]);
    expect(follower.synced).toBe(true);
  });

  it('on stop, finishes the change under way, ignores later events and lists no more', async () => {
    const listed = gate();
    listGate = listed.wait;
    const follower = await follow({ firstSyncRetryMs: SMALL_MS, resyncMs: SMALL_MS });
    await expectEventually(() => expect(calls).toEqual(['list']));
    const seen: string[] = [];
    const a = randomUUID();

    const stopped = follower.stop().then(() => calls.push('stopped'));
    sut = undefined;
    // Another subscription on the follower's connection: once it has the event, so would the follower.
    const witness = bus.subscribeJson(AgentSubjects.created, AgentEvent, (event) => void seen.push(event.id));
    await bus.connection.flush();
    await announce(AgentSubjects.created, a);
    await expectEventually(() => expect(seen).toEqual([a]));
    await delivered();
    listed.open();
    await stopped;
    // Timers of one duration fire in the order they were set: a resync set before stop returned would run first.
    await new Promise((resolve) => setTimeout(resolve, SMALL_MS));
    await delivered();

    expect(calls).toEqual(['list', 'listed', 'stopped']);
    witness.unsubscribe();
  });
});
