# syntax=docker/dockerfile:1
# Production image: Node 24 LTS, compiled JavaScript only, production dependencies only, a non-root user that
# cannot change the code it runs (the files belong to root).
# BASE_IMAGE: where no image registry is reachable, a base built locally stands in (infra/containers/).
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
# No install scripts: nothing the image runs needs one (oracledb's thin mode and pg are JavaScript), and the
# local-run-only packages (the node binary, PGlite for the embedded Delius) are devDependencies,
# pruned below with pino-pretty and the rest. The patches beside the dependencies (patches/, kafkajs decoding
# record headers in linear time) are applied as `npm install` applies them.
RUN npm ci --ignore-scripts --no-audit --no-fund && npx patch-package
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# The local tools of compose's `app` profile (the Workload API and HMPPS Auth serving the example details, the
# Delius set-up, sending the examples): TypeScript that Node 24 runs itself, on the production dependencies.
# Never what production runs: that is the last stage, the default target.
FROM build AS local
COPY infra ./infra
COPY examples ./examples
COPY schemas ./schemas
USER 1000:1000

FROM ${BASE_IMAGE}
# Which build this is, as /info shows it: the build number (HMPPS numbers builds by date) and the commit.
ARG BUILD_NUMBER
ARG GIT_REF
ENV NODE_ENV=production BUILD_NUMBER=${BUILD_NUMBER} GIT_REF=${GIT_REF}
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schemas ./schemas
COPY bin ./bin
# The base image's node user, by number: a runAsNonRoot policy can verify a number, not a name.
USER 1000:1000
# HTTP_PORT (default 8080) moves the health and metrics endpoints; the HEALTHCHECK asks the configured one.
EXPOSE 8080
# Stages: --stage connector|processor|sink (repeatable), or all in one process by default.
# V8 flags: src/node-flags.ts says why (a small young generation keeps a stage's memory down).
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/main.js"]
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HTTP_PORT || 8080}/health/liveness`).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
