# syntax=docker/dockerfile:1
# Production image: Node 24 LTS, compiled JavaScript only, production dependencies only, non-root user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# sqlite3 (the local-run dialect) builds from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node schemas ./schemas
COPY --chown=node:node bin ./bin
USER node
EXPOSE 8080
# Stages: --stage connector|processor|sink (repeatable), or all in one process by default.
# V8 flags: src/node-flags.ts says why (a small young generation keeps a stage's memory down).
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/main.js"]
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health/liveness').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
