import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICES, SERVICE_NAMES, type ServiceName } from '@voxbridge/contracts';
import { loadEnvCatalog } from './env-catalog';
import { generatedFiles, roots } from './generate';
import { NATS_PEER, POSTGRES_PEER, SERVICE_PLANS } from './k8s';
import { kustomizeBuild, type K8sObject } from './kustomize-lite';
import { natsGrants, routeFamily } from './nats-permissions';
import { entryFor, loadSecretFiles } from './run-service';

const { repoRoot, codeRoot, extension } = roots();

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
  secrets?: string[];
  profiles?: string[];
}
interface Probe {
  httpGet: { path: string };
}
interface PodSpec {
  securityContext: { runAsNonRoot?: boolean };
  terminationGracePeriodSeconds: number;
  containers: Array<{
    readinessProbe: Probe;
    livenessProbe: Probe;
    resources: { requests: object; limits: object };
    securityContext: object;
    env: object[];
  }>;
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

describe('generated deployment files', () => {
  it.each(Object.entries(generatedFiles()))('%s is committed as generated (npm run deploy:generate)', (path, content) => {
    expect(readFileSync(join(repoRoot, path), 'utf8')).toBe(content);
  });

  it('.env.example names every variable of every service, secrets without a value', () => {
    const sut = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    for (const { variables } of loadEnvCatalog(repoRoot, codeRoot, extension)) {
      for (const variable of variables) {
        expect(sut).toContain(`# ${variable.name}${variable.secret ? ' (SECRET)' : ''} — `);
        if (variable.secret) expect(sut).toContain(`# ${variable.name}=\n`);
      }
    }
    expect(sut).toContain('# DATABASE_URL (SECRET) — agent-api, session-store, llm-router, discord-connector, plugin-supervisor');
  });
});

describe('docker-compose.yml', () => {
  const catalog = new Map(loadEnvCatalog(repoRoot, codeRoot, extension).map((c) => [c.service, new Set(c.variables.map((v) => v.name))]));
  const fleet = Object.entries(compose.services).filter(([, s]) => s.command && SERVICE_NAMES.includes(s.command[0] as ServiceName));

  it('runs each of the eight apps once, each matching a folder in apps/', () => {
    const apps = readdirSync(join(repoRoot, 'apps')).filter((name) => SERVICE_NAMES.includes(name as ServiceName));
    expect(fleet.map(([name]) => name).sort()).toEqual([...SERVICE_NAMES].sort());
    expect(apps.sort()).toEqual([...SERVICE_NAMES].sort());
    for (const [name, service] of fleet) expect(service.command).toEqual([name]);
  });

  it('sets only variables the app’s config class accepts (a <NAME>_FILE fills <NAME>)', () => {
    for (const [name, service] of fleet) {
      const accepted = catalog.get(name as ServiceName) ?? new Set<string>();
      const unknown = Object.keys(service.environment ?? {}).filter((key) => !accepted.has(key.replace(/_FILE$/, '')));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('gives each service its port, a /ready health check, a restart policy, limits and its dependencies', () => {
    for (const [name, service] of fleet) {
      const svc = name as ServiceName;
      expect(service.environment?.['HTTP_PORT']).toBe(String(SERVICES[svc].defaultPort));
      expect(service.healthcheck?.test?.join(' ')).toContain(`127.0.0.1:${SERVICES[svc].defaultPort}/ready`);
      expect(service.restart).toBe('unless-stopped');
      expect(service.deploy?.resources?.limits?.memory).toMatch(/^\d+[MG]$/);
      expect(service.depends_on?.['nats']).toEqual({ condition: 'service_healthy' });
      if (SERVICES[svc].schema) {
        expect(service.depends_on?.['migrate']).toEqual({ condition: 'service_completed_successfully' });
        expect(service.environment?.['DATABASE_URL_FILE']).toBe(`/run/secrets/database_url_${svc.replace(/-/g, '_')}`);
      }
      expect(service.environment).toEqual(
        expect.objectContaining({ NATS_URL: 'nats://nats:4222', NATS_USER: svc, NATS_PASSWORD_FILE: `/run/secrets/nats_password_${svc.replace(/-/g, '_')}` }),
      );
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (key.endsWith('_FILE')) expect(service.secrets).toContain(value.replace('/run/secrets/', ''));
      }
    }
  });

  it('keeps the optional providers behind profiles', () => {
    expect(compose.services['whisperx']?.profiles).toEqual(['whisperx']);
    expect(compose.services['chatterbox']?.profiles).toEqual(['chatterbox']);
    expect(compose.services['ollama']?.profiles).toEqual(['ollama']);
  });
});

describe('k8s overlays', () => {
  const overlays = ['dev', 'prod'].map((name) => [name, kustomizeBuild(join(repoRoot, 'k8s', 'overlays', name))] as const);
  const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

  const validateK8s = (objects: object[]): string[] =>
    JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'tools', 'deploy', 'validate-k8s.mjs')], { input: JSON.stringify(objects), encoding: 'utf8' })) as string[];
  const prodObject = (kind: string, name: string): K8sObject => {
    const found = (overlays[1]?.[1] ?? []).find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`prod overlay has no ${kind}/${name}`);
    return structuredClone(found);
  };

  it.each(overlays)('%s: every object is valid against the Kubernetes API schemas (kubernetes-models), with no unknown field', (_name, objects) => {
    expect(validateK8s(objects)).toEqual([]);
  });

  it('the schema check catches a wrong type', () => {
    const broken = [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } }];
    expect(validateK8s(broken)).toEqual([expect.stringMatching(/^Deployment\/x: .*replicas/s)]);
  });

  it('the schema check names the path of an unknown field at any depth (spec, container, probe, HPA metric)', () => {
    const deployment = prodObject('Deployment', 'agent-api');
    const pod = (deployment.spec as { template: { spec: PodSpec } }).template.spec;
    const container = pod.containers[0] as unknown as Record<string, unknown>;
    Object.assign(deployment.spec as object, { replica: 3 });
    container['readinesProbe'] = container['readinessProbe'];
    Object.assign(pod.containers[0]?.livenessProbe ?? {}, { periodSecond: 5 });
    Object.assign(pod.containers[0]?.securityContext ?? {}, { runAsNonRot: true });
    const hpa = prodObject('HorizontalPodAutoscaler', 'agent-api');
    const metric = (hpa.spec as { metrics: Array<{ resource: { target: Record<string, unknown> } }> }).metrics[0];
    if (metric) metric.resource.target['averageUtilisation'] = 70;

    expect(validateK8s([deployment, hpa]).sort()).toEqual(
      [
        'Deployment/agent-api: unknown field spec.replica',
        'Deployment/agent-api: unknown field spec.template.spec.containers[0].readinesProbe',
        'Deployment/agent-api: unknown field spec.template.spec.containers[0].livenessProbe.periodSecond',
        'Deployment/agent-api: unknown field spec.template.spec.containers[0].securityContext.runAsNonRot',
        'HorizontalPodAutoscaler/agent-api: unknown field spec.metrics[0].resource.target.averageUtilisation',
      ].sort(),
    );
  });

  it('the schema check rejects an unknown field in every nested object of every kind the overlays render', () => {
    // Maps accept any key; every other object is a schema type and must reject one it does not know.
    const isMap = (kind: string, path: string) => /(^|\.)(labels|matchLabels|annotations|requests|limits)$/.test(path) || path === 'data' || (kind === 'Service' && path === 'spec.selector');
    const objects = structuredClone(overlays[1]?.[1] ?? []);
    const expected: string[] = [];
    const inject = (kind: string, name: string, value: unknown, path: string): void => {
      if (Array.isArray(value)) value.forEach((item, i) => inject(kind, name, item, `${path}[${i}]`));
      else if (value !== null && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) inject(kind, name, child, path ? `${path}.${key}` : key);
        if (isMap(kind, path)) return;
        (value as Record<string, unknown>)['bogus'] = 1;
        expected.push(`${kind}/${name}: unknown field ${path ? `${path}.` : ''}bogus`);
      }
    };
    for (const o of objects) inject(o.kind, o.metadata.name, o, '');

    expect([...new Set(objects.map((o) => o.kind))].sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
    expect(expected.length).toBeGreaterThan(objects.length * 2);
    expect(validateK8s(objects).sort()).toEqual(expected.sort());
  });

  it.each(overlays)('%s: every Deployment has probes, requests and limits and runs as non-root', (_name, objects) => {
    const deployments = byKind(objects, 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const d of deployments) {
      const pod = (d.spec as { template: { spec: PodSpec } }).template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(SERVICE_PLANS[d.metadata.name as ServiceName].handsOver ? 45 : 20);
      for (const c of pod.containers) {
        expect(c.readinessProbe.httpGet.path).toBe('/ready');
        expect(c.livenessProbe.httpGet.path).toBe('/health');
        expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
        expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
        expect(c.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }));
        expect(JSON.stringify(c.env)).not.toMatch(/"value":"(postgres|nats):\/\//);
        expect(c.env).toEqual(
          expect.arrayContaining([
            { name: 'NATS_USER', value: d.metadata.name },
            { name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: `voxbridge-${d.metadata.name}`, key: 'nats-password' } } },
          ]),
        );
      }
    }
  });

  it.each(overlays)('%s: every object is in the overlay namespace, with HPAs, PDBs and one migration Job', (name, objects) => {
    for (const o of objects) expect(o.metadata.namespace).toBe(name === 'dev' ? 'voxbridge-dev' : 'voxbridge');
    const scaled = SERVICE_NAMES.filter((s) => SERVICE_PLANS[s].autoscale);
    expect(byKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name).sort()).toEqual(scaled.sort());
    expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(SERVICE_NAMES.length);
    expect(byKind(objects, 'Job').map((j) => j.metadata.name)).toEqual(['voxbridge-migrate']);
    expect(byKind(objects, 'Secret')).toEqual([]);
  });

  it('sets only variables each service’s config class accepts (env and the shared ConfigMap)', () => {
    const catalog = new Map(loadEnvCatalog(repoRoot, codeRoot, extension).map((c) => [c.service, new Set(c.variables.map((v) => v.name))]));
    const objects = overlays[1]?.[1] ?? [];
    const shared = Object.keys((objects.find((o) => o.kind === 'ConfigMap')?.['data'] as Record<string, string> | undefined) ?? {});
    for (const d of byKind(objects, 'Deployment')) {
      const accepted = catalog.get(d.metadata.name as ServiceName) ?? new Set<string>();
      const names = [...shared, ...(d.spec as { template: { spec: PodSpec } }).template.spec.containers.flatMap((c) => c.env.map((e) => (e as { name: string }).name))];
      expect({ service: d.metadata.name, unknown: names.filter((n) => !accepted.has(n)) }).toEqual({ service: d.metadata.name, unknown: [] });
    }
  });

  it('lets each service reach exactly its peers: NATS, Postgres if it has a schema, HTTPS out if it calls providers', () => {
    const objects = overlays[1]?.[1] ?? [];
    for (const service of SERVICE_NAMES) {
      const policy = byKind(objects, 'NetworkPolicy').find((p) => p.metadata.name === service);
      const egress = (policy?.spec as { egress: Array<{ ports: Array<{ port: number }> }> }).egress.map((rule) => rule.ports.map((p) => p.port).join('/'));
      const expected = [String(NATS_PEER.port), '53/53'];
      if (SERVICES[service].schema) expected.push(String(POSTGRES_PEER.port));
      if (SERVICE_PLANS[service].externalEgress) expected.push('443');
      expect({ service, egress }).toEqual({ service, egress: expected });
    }
  });
});

describe(routeFamily.name, () => {
  it('widens a route to its family of subjects', () => {
    expect(routeFamily({ subject: 'sessions.v1.session.create', plane: 'request' })).toEqual(['sessions.v1.session.*']);
    expect(routeFamily({ subject: 'stt.v1.session.claim', plane: 'request' })).toEqual(['stt.v1.session.*', 'stt.v1.instance.*.*']);
    expect(routeFamily({ subject: 'sessions.v1.evt.turn.heard', plane: 'durable' })).toEqual(['sessions.v1.evt.turn.*']);
    expect(routeFamily({ subject: 'voice.v1.<sid>.audio.in', plane: 'media' })).toEqual(['voice.v1.*.audio.in']);
  });
});

describe(natsGrants.name, () => {
  const sut = natsGrants('vb');

  it('lets every service answer its own control-plane ping, and nobody in the fleet ask it', () => {
    for (const service of SERVICE_NAMES) {
      const ping = `vb.${SERVICES[service].domain}.v1.service.*`;
      expect({ service, subscribes: sut[service].subscribe.includes(ping), answers: sut[service].allowResponses }).toEqual({ service, subscribes: true, answers: true });
      expect(SERVICE_NAMES.filter((s) => sut[s].publish.includes(ping))).toEqual([]);
    }
  });

  it('grants the live subscriptions the services make outside ROUTES', () => {
    for (const service of ['agent-api', 'discord-connector', 'plugin-supervisor'] as const) expect(sut[service].subscribe).toContain('vb.agents.v1.evt.agent.*');
    expect(sut['session-store'].subscribe).toContain('vb.sessions.v1.evt.turn.*');
  });
});

describe(loadSecretFiles.name, () => {
  it('fills <NAME> from <NAME>_FILE unless already set, dropping one trailing newline', () => {
    const env: NodeJS.ProcessEnv = { DATABASE_URL_FILE: '/run/secrets/db', NATS_PASSWORD_FILE: '/run/secrets/nats', NATS_PASSWORD: 'set', TF_CLI_CONFIG_FILE: '/x' };
    const sut = loadSecretFiles(env, new Set(['DATABASE_URL', 'NATS_PASSWORD']), (path) => `${path}-content\n`);
    expect(sut).toEqual(['DATABASE_URL']);
    expect(env['DATABASE_URL']).toBe('/run/secrets/db-content');
    expect(env['NATS_PASSWORD']).toBe('set');
    expect(env['TF_CLI_CONFIG']).toBeUndefined();
  });

  it('names the variable and the path of a secret file it cannot read, never a value', () => {
    const missing = () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    };
    expect(() => loadSecretFiles({ DATABASE_URL_FILE: '/run/secrets/db' }, new Set(['DATABASE_URL']), missing)).toThrow(
      'run-service: cannot read DATABASE_URL_FILE (/run/secrets/db): ENOENT',
    );
  });

  it('runs a service, or the migration job, and refuses anything else', () => {
    expect(entryFor('stt-gateway', '/app/dist')).toBe('/app/dist/apps/stt-gateway/src/main.js');
    expect(entryFor('migrate', '/app/dist')).toBe('/app/dist/tools/deploy/provision-main.js');
    expect(() => entryFor('bash', '/app/dist')).toThrow(/name a service/);
  });
});
