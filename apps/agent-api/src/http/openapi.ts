import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { fleetVersion } from '@voxbridge/platform';
import { ErrorResponse } from './error-response.dto';

const PUBLIC_PATHS: Record<string, string> = {
  '/health': 'Alive: service, instance id, version, uptime',
  '/ready': 'Ready: 200 when NATS and the database answer, 503 naming the failing check',
  '/metrics': 'Prometheus metrics (text format)',
};

const ERROR = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };

/**
 * What every guarded route can answer, added in one place rather than on each controller: 401 (no,
 * unknown or revoked key) and 429 (the key's rate). The health routes are marked public.
 */
export function completeOpenApi(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      const publicSummary = PUBLIC_PATHS[path];
      if (publicSummary) {
        operation.tags = ['health'];
        operation.summary ??= publicSummary;
        operation.security = [];
        continue;
      }
      operation.responses['401'] ??= { description: 'missing, unknown or revoked API key (`unauthorized`)', content: ERROR };
      operation.responses['429'] ??= {
        description: 'too many requests for this key (`rate_limited`); retry after `Retry-After` seconds',
        headers: { 'Retry-After': { schema: { type: 'integer' } } },
        content: ERROR,
      };
    }
  }
  return document;
}

/** OpenAPI 3 from the DTOs and controllers: UI at /api/docs, JSON at /api/docs-json. */
export function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('VoxBridge API')
      .setDescription(
        'REST gateway of the VoxBridge fleet: agents, sessions and messages, API keys, fleet health. ' +
          'Every endpoint but /health, /ready and /metrics needs `Authorization: Bearer <key>`. ' +
          'Errors always have the shape `{"error": {"code", "message", "fields"?, "request_id"}}`. ' +
          'Live events: `GET /ws/events?token=<key>` (WebSocket), messages `{event, data}`; send ' +
          '`{"action":"subscribe","session_id":…}` or `{"action":"subscribe","agent_id":…}` to filter.',
      )
      .setVersion(fleetVersion())
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (vbk_...)' })
      .addSecurityRequirements('bearer')
      .build(),
    { extraModels: [ErrorResponse] },
  );
  SwaggerModule.setup('api/docs', app, completeOpenApi(document), { jsonDocumentUrl: 'api/docs-json' });
}
