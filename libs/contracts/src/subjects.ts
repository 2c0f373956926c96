/**
 * NATS subjects, queue groups and stream names. Every one in the fleet is built here, never typed
 * at a call site (STYLE habit 1).
 *
 * Builders return subjects *without* the fleet namespace; the transport (libs/bus, the Nest NATS
 * strategy) prefixes the namespace, so no caller can forget it. `namespaced()` shows the wire form.
 */

/** A subject built by this module. The brand stops hand-typed strings from reaching the bus. */
export type Subject = string & { readonly __brand: 'Subject' };

/** Streams of one voice session on the media plane (ARCHITECTURE §3). */
export const MEDIA_STREAMS = ['audio.in', 'vad', 'transcript', 'reply', 'audio.out', 'turn', 'control'] as const;
export type MediaStream = (typeof MEDIA_STREAMS)[number];

export const DEFAULT_NAMESPACE = 'vb';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WORD = /^[a-z][a-z0-9-]*$/;
const NAMESPACE = /^[a-z][a-z0-9_-]{0,31}$/;

export class InvalidSubjectError extends Error {
  override readonly name = 'InvalidSubjectError';
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Refuses anything but a UUID: a `.`, `*` or `>` inside a subject would reroute traffic. */
export function assertUuid(value: unknown, what: string): string {
  if (!isUuid(value)) {
    throw new InvalidSubjectError(`${what} must be a UUID, got ${JSON.stringify(value)}`);
  }
  return value;
}

function word(value: string, what: string): string {
  if (!WORD.test(value)) {
    throw new InvalidSubjectError(`${what} must match ${WORD} (lowercase word), got ${JSON.stringify(value)}`);
  }
  return value;
}

export function assertNamespace(value: unknown): string {
  if (typeof value !== 'string' || !NAMESPACE.test(value)) {
    throw new InvalidSubjectError(
      `namespace must be 1-32 characters of a-z, 0-9, _ or -, starting with a letter; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `<domain>.v1.<noun>.<verb>` — control-plane request/reply, e.g. `agents.v1.agent.get`. */
export function controlSubject(domain: string, noun: string, verb: string): Subject {
  return `${word(domain, 'domain')}.v1.${word(noun, 'noun')}.${word(verb, 'verb')}` as Subject;
}

/** `<domain>.v1.evt.<noun>.<past>` — an event, e.g. `sessions.v1.evt.turn.committed`. */
export function eventSubject(domain: string, noun: string, past: string): Subject {
  return `${word(domain, 'domain')}.v1.evt.${word(noun, 'noun')}.${word(past, 'past')}` as Subject;
}

/** Every event of a domain: `<domain>.v1.evt.>` (for JetStream stream subjects and taps). */
export function domainEvents(domain: string): Subject {
  return `${word(domain, 'domain')}.v1.evt.>` as Subject;
}

/**
 * `<domain>.v1.instance.<instanceId>.<verb>` — a request to one replica (by its instance id, a
 * UUID), for what only that replica can answer: does it still hold a session, is it alive.
 */
export function instanceSubject(domain: string, instanceId: string, verb: string): Subject {
  return `${word(domain, 'domain')}.v1.instance.${assertUuid(instanceId, 'instance id')}.${word(verb, 'verb')}` as Subject;
}

/** `voice.v1.<sessionId>.<stream>` — the media plane of one voice session. */
export function mediaSubject(sessionId: string, stream: MediaStream): Subject {
  if (!(MEDIA_STREAMS as readonly string[]).includes(stream)) {
    throw new InvalidSubjectError(`media stream must be one of ${MEDIA_STREAMS.join(', ')}, got ${JSON.stringify(stream)}`);
  }
  return `voice.v1.${assertUuid(sessionId, 'session id')}.${stream}` as Subject;
}

/** `voice.v1.<sessionId>.>` — everything of one session (for taps and recorders). */
export function mediaSessionAll(sessionId: string): Subject {
  return `voice.v1.${assertUuid(sessionId, 'session id')}.>` as Subject;
}

/** One stream of every session (`voice.v1.*.<stream>`): one subscription per replica for live feeds. */
export function mediaAllSessions(stream: MediaStream): Subject {
  if (!(MEDIA_STREAMS as readonly string[]).includes(stream)) {
    throw new InvalidSubjectError(`media stream must be one of ${MEDIA_STREAMS.join(', ')}, got ${JSON.stringify(stream)}`);
  }
  return `voice.v1.*.${stream}` as Subject;
}

/** Stream domain of the dead letters of every durable consumer: `streamName(ns, DEAD_LETTER_DOMAIN)` is `VB_DEAD_LETTERS`. */
export const DEAD_LETTER_DOMAIN = 'dead-letters';

/** A durable consumer's name as JetStream allows it (no `.`, `*` or `>`, so it is one subject token). */
const DURABLE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `bus.v1.dead.<domain>.<durable>` — where a durable consumer of a domain's stream puts messages it
 * can never process (the dead-letter stream's subject).
 */
export function deadLetterSubject(domain: string, durable: string): Subject {
  if (!DURABLE.test(durable)) {
    throw new InvalidSubjectError(`durable name must match ${DURABLE}, got ${JSON.stringify(durable)}`);
  }
  return `bus.v1.dead.${word(domain, 'domain')}.${durable}` as Subject;
}

/** Every dead letter, `bus.v1.dead.>` (the dead-letter stream's subjects). */
export function allDeadLetters(): Subject {
  return 'bus.v1.dead.>' as Subject;
}

/** The wire subject: the fleet namespace in front of a built subject. */
export function namespaced(namespace: string, subject: Subject): string {
  return `${assertNamespace(namespace)}.${subject}`;
}

/** Queue group of a service inside a fleet: `vb.agent-api`. */
export function queueGroup(namespace: string, service: string): string {
  return `${assertNamespace(namespace)}.${word(service, 'service')}`;
}

/** JetStream stream name of a domain inside a fleet: `VB_SESSIONS` (stream names allow no dots). */
export function streamName(namespace: string, domain: string): string {
  return `${assertNamespace(namespace)}_${word(domain, 'domain')}`.replace(/-/g, '_').toUpperCase();
}

/** Subjects with a fixed meaning across the fleet. */
export const FleetSubjects = {
  /** Broadcast (no queue group): every replica of every service answers with a FleetHealthReply. */
  healthPing: controlSubject('fleet', 'health', 'ping'),
} as const;
