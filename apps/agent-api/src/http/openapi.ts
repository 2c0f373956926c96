import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { fleetVersion } from '@voxbridge/platform';

/** OpenAPI 3 from the DTOs and controllers: UI at /api/docs, JSON at /api/docs-json. */
export function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('VoxBridge API')
      .setDescription(
        'REST gateway of the VoxBridge fleet: agents, sessions and messages, API keys, fleet health. ' +
          'Every endpoint but /health, /ready and /metrics needs `Authorization: Bearer <key>`. ' +
          'Errors always have the shape `{"error": {"code", "message", "fields"?, "request_id"}}`.',
      )
      .setVersion(fleetVersion())
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (vbk_...)' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
