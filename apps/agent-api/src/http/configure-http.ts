import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppLogger } from '@voxbridge/platform';
import type { AgentApiEnv } from '../config/agent-api.env';
import { useWebSocketAdapter } from '../events/use-websocket-adapter';
import { answerClientErrors } from './client-errors';
import { setUpOpenApi } from './openapi';
import { refuseUnstorableInput } from './unstorable-input';
import { defaultWebRoot, serveWebApp } from './web-app';

/** `CORS_ORIGINS`: `*` for any origin, else the listed ones; unset or empty, no CORS headers at all. */
export function corsOrigins(value: string | undefined): '*' | string[] | null {
  const origins = (value ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  if (origins.length === 0) return null;
  return origins.includes('*') ? '*' : origins;
}

/** agent-api's HTTP extras, applied by the platform before it listens (also in tests). */
export function configureHttp(app: INestApplication, config: AgentApiEnv): void {
  const express = app as NestExpressApplication;
  // Registered before Nest's default parsers, which then skip json/urlencoded. Too large: 413.
  const limit = `${config.HTTP_BODY_LIMIT_KB}kb`;
  express.useBodyParser('json', { limit });
  express.useBodyParser('urlencoded', { limit, extended: true });

  const origins = corsOrigins(config.CORS_ORIGINS);
  if (origins) {
    // Keys travel in the Authorization header, never in cookies: no credentials mode.
    app.enableCors({
      origin: origins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'WWW-Authenticate', 'X-Request-Id'],
      maxAge: 600,
    });
  }
  // NUL, lone surrogates, deep nesting, prototype keys and undecodable queries: 400 before the
  // validation pipe recurses or Postgres refuses. After CORS, so a browser can read the refusal.
  express.use(refuseUnstorableInput());
  // What Node's parser refuses before Express (a URL and headers over 16 KB): the API's error shape too.
  answerClientErrors(express.getHttpServer());
  setUpOpenApi(app);
  const webRoot = config.WEB_ROOT ?? defaultWebRoot();
  if (!serveWebApp(app, webRoot)) app.get(AppLogger).warn('the web app is not built: / serves nothing (npm run build builds it)', { web_root: webRoot });
  useWebSocketAdapter(app);
}
