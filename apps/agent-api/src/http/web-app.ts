import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Paths that are never the web app, so they skip the file system entirely. */
const NOT_THE_APP = /^\/(api|ws|health|ready|metrics)(\/|$)/;

/** `dist/apps/web` beside `dist/apps/agent-api/src/main.js`. */
export function defaultWebRoot(): string {
  return resolve(__dirname, '..', '..', '..', 'web');
}

/**
 * Serves the built web app (apps/web) at `/`: its files, and index.html for any other GET that
 * is not an API path (client-side routes). The app is public like any static page; everything it
 * shows comes from the API, which needs a key. Returns false when the app was not built.
 */
export function serveWebApp(app: INestApplication, root: string): boolean {
  const index = join(root, 'index.html');
  if (!existsSync(index)) return false;
  const files = (app as NestExpressApplication).getHttpAdapter().getInstance() as { use: (handler: (req: Request, res: Response, next: NextFunction) => void) => void };
  const serveStatic = express.static(root, { index: false, maxAge: '1h', fallthrough: true });
  files.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_THE_APP.test(req.path)) return next();
    serveStatic(req, res, () => {
      if (req.path.includes('.') && req.path !== '/') return next();
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(index);
    });
  });
  return true;
}
