import { Bus } from '@voxbridge/bus';
import { runMigrations, type ServiceSchema } from '@voxbridge/persistence';
import type { ServiceDefinition, ServiceEnv } from '@voxbridge/platform';
import { testInfra, uniqueNamespace } from '@voxbridge/testing';
import { bootService, fleetCensus, pingService, type RunningService } from './service-harness';

/**
 * The boot contract every service meets, as tests: on real NATS (+ Postgres) it starts, serves
 * /health, /ready and /metrics, answers the fleet census and its own ping over NATS, and stops cleanly.
 */
export function describeServiceBoot<E extends ServiceEnv>(definition: ServiceDefinition<E>, schema?: ServiceSchema): void {
  describe(`${definition.service} boot`, () => {
    const infra = testInfra();
    const namespace = uniqueNamespace();
    let service: RunningService;
    let bus: Bus;

    beforeAll(async () => {
      if (schema) await runMigrations(infra.databaseUrl, [schema]);
      service = await bootService(definition, {
        NATS_URL: infra.natsUrl,
        VOXBRIDGE_NAMESPACE: namespace,
        ...(schema ? { DATABASE_URL: infra.databaseUrl } : {}),
      });
      bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'test' });
    });

    afterAll(async () => {
      await bus?.drain();
      await service?.close();
    });

    it('is alive on /health', async () => {
      const response = await fetch(`${service.baseUrl}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', service: definition.service, namespace });
    });

    it('is ready on /ready with NATS' + (schema ? ' and its database' : ''), async () => {
      const response = await fetch(`${service.baseUrl}/ready`);
      const body = (await response.json()) as { checks: Record<string, string> };
      expect(response.status).toBe(200);
      expect(body.checks).toEqual(schema ? { nats: 'up', database: 'up' } : { nats: 'up' });
    });

    it('serves Prometheus metrics with process metrics and event-loop lag', async () => {
      const response = await fetch(`${service.baseUrl}/metrics`);
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(text).toMatch(/^process_cpu_user_seconds_total\{service="[^"]+",namespace="[^"]+"\} \d/m);
      expect(text).toContain(`nodejs_eventloop_lag_seconds{service="${definition.service}",namespace="${namespace}"}`);
    });

    it('answers the fleet health census over NATS', async () => {
      const replies = await fleetCensus(bus);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({ service: definition.service, status: 'healthy', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    });

    it('answers its own ping through the control plane (Nest NATS transport, queue group)', async () => {
      const reply = await pingService(infra.natsUrl, namespace, definition.service);
      expect(reply).toMatchObject({ service: definition.service, status: 'healthy' });
    });

    it('answers 404 in the fleet error shape for an unknown route', async () => {
      const response = await fetch(`${service.baseUrl}/api/no/such/route`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found', request_id: expect.any(String) } });
    });
  });
}
