import { SERVICES, SERVICE_NAMES, type ServiceName } from '@voxbridge/contracts';
import { stringify } from 'yaml';

/** How each service runs in a cluster; why, in docs/operators.md ("Scaling"). */
export interface ServicePlan {
  replicas: number;
  /** HorizontalPodAutoscaler bounds (CPU), or null: the service does not scale out. */
  autoscale: { min: number; max: number } | null;
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
  /** Reached from outside the fleet (browsers, API clients) through an Ingress / load balancer. */
  public: boolean;
  /** Calls providers outside the cluster (HTTPS, Discord). */
  externalEgress: boolean;
  /** Holds sessions or bots that are handed over to a sibling on stop: longer drain. */
  handsOver: boolean;
}

export const SERVICE_PLANS: Record<ServiceName, ServicePlan> = {
  'agent-api': { replicas: 2, autoscale: { min: 2, max: 6 }, requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' }, public: true, externalEgress: false, handsOver: false },
  'webrtc-gateway': { replicas: 2, autoscale: { min: 2, max: 10 }, requests: { cpu: '200m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' }, public: true, externalEgress: false, handsOver: true },
  'session-store': { replicas: 1, autoscale: null, requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' }, public: false, externalEgress: false, handsOver: false },
  'stt-gateway': { replicas: 2, autoscale: { min: 2, max: 10 }, requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' }, public: false, externalEgress: true, handsOver: true },
  'llm-router': { replicas: 2, autoscale: { min: 2, max: 10 }, requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' }, public: false, externalEgress: true, handsOver: true },
  'tts-gateway': { replicas: 2, autoscale: { min: 2, max: 10 }, requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' }, public: false, externalEgress: true, handsOver: true },
  'discord-connector': { replicas: 2, autoscale: null, requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '768Mi' }, public: false, externalEgress: true, handsOver: true },
  'plugin-supervisor': { replicas: 1, autoscale: null, requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' }, public: false, externalEgress: true, handsOver: false },
};

/** SHUTDOWN_TIMEOUT_MS of services that hand sessions over, and the pod's grace period above it. */
export const HANDOVER_SHUTDOWN_MS = 30_000;
export const HANDOVER_GRACE_S = 45;
export const DEFAULT_GRACE_S = 20;
export const IMAGE = 'voxbridge';
export const APP_LABEL = 'app.kubernetes.io/name';
export const PART_OF = { 'app.kubernetes.io/part-of': 'voxbridge' };
/** Pods of the external NATS (its Helm chart's label), the port the fleet uses and its address (ConfigMap NATS_URL). */
export const NATS_PEER = { podLabels: { 'app.kubernetes.io/name': 'nats' }, port: 4222, url: 'nats://nats:4222' };
/** Managed Postgres: reached by address; overlays replace the CIDR with the database's. */
export const POSTGRES_PEER = { cidr: '10.0.0.0/8', port: 5432 };

const labels = (service: string) => ({ [APP_LABEL]: service, ...PART_OF });
const secretName = (service: ServiceName) => `voxbridge-${service}`;
const secretEnv = (name: string, secret: string, key: string, optional = false) => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
});

const containerSecurity = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function serviceEnv(service: ServiceName): object[] {
  const env: object[] = [
    { name: 'HTTP_PORT', value: String(SERVICES[service].defaultPort) },
    { name: 'NATS_USER', value: service },
    secretEnv('NATS_PASSWORD', secretName(service), 'nats-password'),
  ];
  if (SERVICES[service].schema) env.push(secretEnv('DATABASE_URL', secretName(service), 'database-url'));
  if (SERVICE_PLANS[service].handsOver) env.push({ name: 'SHUTDOWN_TIMEOUT_MS', value: String(HANDOVER_SHUTDOWN_MS) });
  if (service === 'agent-api' || service === 'discord-connector' || service === 'plugin-supervisor') {
    env.push(secretEnv('VOXBRIDGE_ENCRYPTION_KEY', 'voxbridge-encryption', 'current'));
    env.push(secretEnv('VOXBRIDGE_ENCRYPTION_OLD_KEYS', 'voxbridge-encryption', 'old', true));
  }
  if (service === 'agent-api') env.push(secretEnv('VOXBRIDGE_BOOTSTRAP_ADMIN_KEY', 'voxbridge-agent-api', 'bootstrap-admin-key', true));
  if (service === 'llm-router') env.push(secretEnv('OPENROUTER_API_KEY', 'voxbridge-providers', 'openrouter-api-key', true));
  if (service === 'stt-gateway') env.push(secretEnv('STT_OPENAI_API_KEY', 'voxbridge-providers', 'stt-openai-api-key', true));
  if (service === 'tts-gateway') env.push(secretEnv('OPENAI_TTS_API_KEY', 'voxbridge-providers', 'openai-tts-api-key', true));
  return env;
}

export function deployment(service: ServiceName): object {
  const plan = SERVICE_PLANS[service];
  const port = SERVICES[service].defaultPort;
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port: 'http' }, periodSeconds, failureThreshold, timeoutSeconds: 2 });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service, labels: labels(service) },
    spec: {
      replicas: plan.replicas,
      selector: { matchLabels: { [APP_LABEL]: service } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(service) },
        spec: {
          terminationGracePeriodSeconds: plan.handsOver ? HANDOVER_GRACE_S : DEFAULT_GRACE_S,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: service,
              image: `${IMAGE}:latest`,
              args: [service],
              ports: [{ name: 'http', containerPort: port }],
              envFrom: [{ configMapRef: { name: 'voxbridge-config' } }],
              env: serviceEnv(service),
              readinessProbe: probe('/ready', 5, 2),
              livenessProbe: probe('/health', 10, 6),
              startupProbe: probe('/health', 2, 30),
              resources: { requests: plan.requests, limits: plan.limits },
              securityContext: containerSecurity,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

export function k8sService(service: ServiceName): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service, labels: labels(service) },
    spec: { selector: { [APP_LABEL]: service }, ports: [{ name: 'http', port: SERVICES[service].defaultPort, targetPort: 'http' }] },
  };
}

export function pdb(service: ServiceName): object {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: service, labels: labels(service) },
    spec: { maxUnavailable: 1, selector: { matchLabels: { [APP_LABEL]: service } } },
  };
}

export function hpa(service: ServiceName): object | null {
  const scale = SERVICE_PLANS[service].autoscale;
  if (!scale) return null;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: service, labels: labels(service) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: service },
      minReplicas: scale.min,
      maxReplicas: scale.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      // Scale in slowly: each stopping replica hands its sessions over.
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  };
}

/** The peers a service's pods may reach: NATS always, Postgres with a schema, DNS, HTTPS outside for providers. */
export function networkPolicy(service: ServiceName): object {
  const plan = SERVICE_PLANS[service];
  const port = SERVICES[service].defaultPort;
  const egress: object[] = [
    { to: [{ namespaceSelector: {}, podSelector: { matchLabels: NATS_PEER.podLabels } }], ports: [{ protocol: 'TCP', port: NATS_PEER.port }] },
    { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
  ];
  if (SERVICES[service].schema) egress.push({ to: [{ ipBlock: { cidr: POSTGRES_PEER.cidr } }], ports: [{ protocol: 'TCP', port: POSTGRES_PEER.port }] });
  if (plan.externalEgress) egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443 }] });
  const ingress: object[] = [
    // Prometheus scrapes /metrics from the monitoring namespace.
    { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port }] },
  ];
  if (plan.public) ingress.push({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port }] });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: service, labels: labels(service) },
    spec: { podSelector: { matchLabels: { [APP_LABEL]: service } }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
  };
}

function migrateJob(): object[] {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'voxbridge-migrate', labels: labels('voxbridge-migrate') },
    spec: {
      backoffLimit: 6,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels('voxbridge-migrate') },
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'migrate',
              image: `${IMAGE}:latest`,
              args: ['migrate'],
              env: [
                secretEnv('DATABASE_URL', 'voxbridge-migrate', 'admin-database-url'),
                ...SERVICE_NAMES.filter((s) => SERVICES[s].schema).map((s) =>
                  secretEnv(`DATABASE_URL_${s.replace(/-/g, '_').toUpperCase()}`, secretName(s), 'database-url'),
                ),
              ],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
              securityContext: containerSecurity,
            },
          ],
        },
      },
    },
  };
  const policy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'voxbridge-migrate', labels: labels('voxbridge-migrate') },
    spec: {
      podSelector: { matchLabels: { [APP_LABEL]: 'voxbridge-migrate' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [
        { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [{ ipBlock: { cidr: POSTGRES_PEER.cidr } }], ports: [{ protocol: 'TCP', port: POSTGRES_PEER.port }] },
      ],
    },
  };
  return [job, policy];
}

function common(): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'voxbridge-config', labels: PART_OF },
      data: { NATS_URL: NATS_PEER.url, VOXBRIDGE_NAMESPACE: 'vb', LOG_FORMAT: 'json', LOG_LEVEL: 'info', HTTP_HOST: '0.0.0.0' },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'voxbridge-default-deny', labels: PART_OF },
      spec: { podSelector: { matchLabels: PART_OF }, policyTypes: ['Ingress', 'Egress'] },
    },
  ];
}

const HEADER = '# Generated by `npm run deploy:generate` (tools/deploy/k8s.ts) from libs/contracts SERVICES. Do not edit:\n# change the generator, or patch in an overlay.\n';
const yamlDocs = (docs: object[]) => HEADER + docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');

/** k8s/base: file name → content. */
export function k8sBase(): Record<string, string> {
  const files: Record<string, string> = {
    'common.yaml': yamlDocs(common()),
    'migrate-job.yaml': yamlDocs(migrateJob()),
  };
  for (const service of SERVICE_NAMES) {
    const docs = [deployment(service), k8sService(service), pdb(service), hpa(service), networkPolicy(service)].filter((d): d is object => d !== null);
    files[`${service}.yaml`] = yamlDocs(docs);
  }
  files['kustomization.yaml'] =
    HEADER +
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      labels: [{ pairs: PART_OF, includeSelectors: false }],
      resources: ['common.yaml', 'migrate-job.yaml', ...SERVICE_NAMES.map((s) => `${s}.yaml`)],
    });
  return files;
}
