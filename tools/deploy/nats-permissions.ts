import {
  BusSubjects,
  controlSubject,
  DEAD_LETTER_DOMAIN,
  allDeadLetters,
  PIPELINE_STAGES,
  PLUGINS_DOMAIN,
  ROUTES,
  SERVICE_NAMES,
  SERVICES,
  STAGE_SERVICE,
  streamName,
  type LeaseDomain,
  type Route,
  type ServiceName,
} from '@voxbridge/contracts';

/** What one service may do on NATS: subjects on the wire (namespace included), sorted. */
export interface NatsGrant {
  publish: string[];
  subscribe: string[];
  /** May answer requests it received (publish once to their reply subject). */
  allowResponses: boolean;
}

/**
 * Core-NATS traffic the fleet has that ROUTES does not list (yet): kept here, next to the
 * generator, so the permissions stay complete. Each should move to ROUTES.
 */
export const EXTRA_ROUTES: readonly Route[] = [
  // Each replica answers `<domain>.v1.service.ping` in its queue group (Nest transport); operators
  // (the admin user) ask it, no service does.
  ...SERVICE_NAMES.map(
    (service): Route => ({
      subject: String(controlSubject(SERVICES[service].domain, 'service', 'ping')),
      plane: 'request',
      from: [],
      to: [service],
      what: `a ping to one ${service} replica`,
    }),
  ),
];

/** Which service holds each lease bucket (`leases-<domain>`, a JetStream KV bucket). */
export const LEASE_HOLDERS: ReadonlyArray<{ domain: LeaseDomain; service: ServiceName }> = [
  ...PIPELINE_STAGES.map((stage) => ({ domain: stage, service: STAGE_SERVICE[stage] })),
  { domain: 'discord', service: 'discord-connector' },
  { domain: PLUGINS_DOMAIN, service: 'plugin-supervisor' },
];

/** The stream domain that captures a durable subject: its first token (`sessions.v1.evt.turn.heard` → `sessions`). */
export function streamDomainOf(subject: string): string {
  return subject.split('.')[0] ?? subject;
}

/**
 * The subjects a route stands for. A route names one subject of a family (`sessions.v1.session.create`
 * stands for every verb on `session`); the family is what is granted:
 * control `<d>.v1.<noun>.<verb>` → `<d>.v1.<noun>.*`; event `<d>.v1.evt.<noun>.<past>` →
 * `<d>.v1.evt.<noun>.*`; the session protocol's claim also grants its release and the per-replica
 * `<d>.v1.instance.*.*`; media `voice.v1.<sid>.<stream>` → `voice.v1.*.<stream>`.
 */
export function routeFamily(route: Pick<Route, 'subject' | 'plane'>): string[] {
  const tokens = route.subject.split('.');
  if (route.plane === 'media') return [`${tokens.slice(0, 2).join('.')}.*.${tokens.slice(3).join('.')}`];
  if (tokens[2] === 'evt') return [`${tokens.slice(0, 4).join('.')}.*`];
  const family = [`${tokens.slice(0, 3).join('.')}.*`];
  if (tokens[2] === 'session' && tokens[3] === 'claim') family.push(`${tokens[0]}.v1.instance.*.*`);
  return family;
}

const JS_INFO = '$JS.API.INFO';
const streamAdmin = (stream: string) => [JS_INFO, `$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`, `$JS.API.STREAM.UPDATE.${stream}`];
const consumerOf = (stream: string) => [
  `$JS.API.CONSUMER.INFO.${stream}.*`,
  `$JS.API.CONSUMER.CREATE.${stream}`,
  `$JS.API.CONSUMER.CREATE.${stream}.>`,
  `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
  `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
  `$JS.ACK.${stream}.>`,
];
const kvBucket = (bucket: string) => [
  ...streamAdmin(`KV_${bucket}`),
  `$KV.${bucket}.>`,
  `$JS.API.DIRECT.GET.KV_${bucket}.>`,
  `$JS.API.STREAM.MSG.GET.KV_${bucket}`,
  `$JS.API.CONSUMER.CREATE.KV_${bucket}`,
  `$JS.API.CONSUMER.CREATE.KV_${bucket}.>`,
  `$JS.API.CONSUMER.DELETE.KV_${bucket}.>`,
  `$JS.FC.KV_${bucket}.>`,
];

/** Reading a KV bucket's entries, nothing more (SessionLeases: is a session held?). */
const kvBucketReader = (bucket: string) => ['$JS.API.INFO', `$JS.API.STREAM.INFO.KV_${bucket}`, `$JS.API.STREAM.MSG.GET.KV_${bucket}`, `$JS.API.DIRECT.GET.KV_${bucket}.>`];

/** Which service reads another's lease buckets: session-store ends a voice session only when no stage holds it. */
export const LEASE_READERS: ReadonlyArray<{ domain: LeaseDomain; service: ServiceName }> = PIPELINE_STAGES.map((stage) => ({ domain: stage, service: 'session-store' }));

/** Per-service grants from ROUTES (+ EXTRA_ROUTES, the lease buckets and the durable streams). */
export function natsGrants(namespace: string, routes: readonly Route[] = [...ROUTES, ...EXTRA_ROUTES]): Record<ServiceName, NatsGrant> {
  const wire = (subject: string) => `${namespace}.${subject}`;
  const acc = new Map(SERVICE_NAMES.map((s) => [s, { publish: new Set<string>(), subscribe: new Set<string>(), allowResponses: false }]));
  const of = (service: ServiceName) => {
    const grant = acc.get(service);
    if (!grant) throw new Error(`ROUTES names an unknown service: ${service}`);
    return grant;
  };
  for (const route of routes) {
    const family = routeFamily(route).map(wire);
    for (const service of route.from) {
      const grant = of(service);
      family.forEach((s) => grant.publish.add(s));
      if (route.plane === 'request' || route.plane === 'durable') grant.subscribe.add('_INBOX.>');
      if (route.plane === 'durable') streamAdmin(streamName(namespace, streamDomainOf(route.subject))).forEach((s) => grant.publish.add(s));
    }
    for (const service of route.to) {
      const grant = of(service);
      if (route.plane === 'request') {
        family.forEach((s) => grant.subscribe.add(s));
        grant.allowResponses = true;
      } else if (route.plane === 'durable') {
        const stream = streamName(namespace, streamDomainOf(route.subject));
        const deadLetters = streamName(namespace, DEAD_LETTER_DOMAIN);
        [...streamAdmin(stream), ...consumerOf(stream), ...streamAdmin(deadLetters)].forEach((s) => grant.publish.add(s));
        grant.publish.add(wire(String(allDeadLetters())));
        grant.publish.add(wire(String(BusSubjects.messageDeadLettered)));
        grant.subscribe.add('_INBOX.>');
      } else {
        family.forEach((s) => grant.subscribe.add(s));
      }
    }
  }
  for (const { domain, service } of LEASE_HOLDERS) {
    const grant = of(service);
    kvBucket(streamName(namespace, `leases-${domain}`)).forEach((s) => grant.publish.add(s));
    grant.subscribe.add('_INBOX.>');
  }
  for (const { domain, service } of LEASE_READERS) {
    const grant = of(service);
    kvBucketReader(streamName(namespace, `leases-${domain}`)).forEach((s) => grant.publish.add(s));
    grant.subscribe.add('_INBOX.>');
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, { publish: sorted(of(s).publish), subscribe: sorted(of(s).subscribe), allowResponses: of(s).allowResponses }]),
  ) as Record<ServiceName, NatsGrant>;
}

/** The environment variable nats-server reads a service's password from (`NATS_PASSWORD_AGENT_API`). */
export function natsPasswordVariable(service: ServiceName): string {
  return `NATS_PASSWORD_${service.replace(/-/g, '_').toUpperCase()}`;
}

export interface NatsConfigOptions {
  namespace: string;
  /**
   * A file defining each `NATS_PASSWORD_<SERVICE>` (and `NATS_PASSWORD_ADMIN`), included relative
   * to the config file (nats-server resolves includes against the including file's folder).
   */
  passwordsInclude: string;
  /** JetStream's store (default `/data/jetstream`, the compose volume). */
  storeDir?: string;
}

const q = (s: string) => JSON.stringify(s);
const list = (items: readonly string[], indent: string) => `[\n${items.map((i) => `${indent}  ${q(i)}`).join(',\n')}\n${indent}]`;

/** nats-server configuration: JetStream, and one user per service with exactly its grants. */
export function natsServerConfig(options: NatsConfigOptions): string {
  const grants = natsGrants(options.namespace);
  const users = SERVICE_NAMES.map((service) => {
    const g = grants[service];
    return [
      '    {',
      `      user: ${q(service)}`,
      `      password: $${natsPasswordVariable(service)}`,
      '      permissions: {',
      `        publish: { allow: ${list(g.publish, '        ')} }`,
      `        subscribe: { allow: ${list(g.subscribe, '        ')} }`,
      ...(g.allowResponses ? ['        allow_responses: true'] : []),
      '      }',
      '    }',
    ].join('\n');
  });
  return [
    '# Generated by `npm run deploy:generate` (tools/deploy/nats-permissions.ts) from libs/contracts ROUTES:',
    `# one user per service, allowed only its own subjects (namespace "${options.namespace}"). Do not edit by hand.`,
    '# Passwords are not here: the included file defines them (compose: the nats_passwords secret).',
    `include ${q(options.passwordsInclude)}`,
    '',
    'port: 4222',
    'http_port: 8222',
    'jetstream {',
    `  store_dir: ${q(options.storeDir ?? '/data/jetstream')}`,
    '}',
    '',
    'authorization {',
    '  users = [',
    users.join('\n'),
    '    {',
    '      user: "admin"',
    '      password: $NATS_PASSWORD_ADMIN',
    '    }',
    '  ]',
    '}',
    '',
  ].join('\n');
}

/** The included passwords file nats-server reads: `NATS_PASSWORD_<SERVICE>: "<password>"` lines. */
export function natsPasswordsFile(passwords: Record<ServiceName | 'admin', string>): string {
  const lines = SERVICE_NAMES.map((service) => `${natsPasswordVariable(service)}: ${q(passwords[service])}`);
  lines.push(`NATS_PASSWORD_ADMIN: ${q(passwords.admin)}`);
  return `${lines.join('\n')}\n`;
}
