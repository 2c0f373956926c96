# syntax=docker/dockerfile:1
# One image for the whole fleet; the service is chosen at run time:
#   docker run voxbridge agent-api            (or VOXBRIDGE_SERVICE=agent-api)
#   docker run voxbridge migrate              (one-shot: roles, schemas, migrations)
# Targets: `runtime` (default, slim) and `speech` (adds the offline engines: pocketsphinx, flite,
# espeak-ng) — `docker build --target speech -t voxbridge:speech .`.
# Secrets are never baked in: pass <NAME>_FILE pointing at a mounted file (see docs/operators.md).

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build --silent

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    HTTP_HOST=0.0.0.0
WORKDIR /app
RUN groupadd --system --gid 10001 voxbridge && useradd --system --uid 10001 --gid voxbridge --home-dir /app --shell /usr/sbin/nologin voxbridge
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --chown=root:root package.json ./
USER 10001:10001
# Each service's own port comes from HTTP_PORT (set per container); /ready answers 200 when it can serve.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||'4900')+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/tools/deploy/run-service.js"]

FROM runtime AS speech
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us flite espeak-ng sox \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001

FROM runtime
