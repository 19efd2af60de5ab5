import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { messageOf } from '../domain/errors.ts';

/** A dependency's answer to "can you serve?": checked with a time limit. */
export type ReadinessCheck = () => Promise<boolean>;

export interface OperationsServerOptions {
  readonly port: number;
  /** The address to listen on: all interfaces by default (an orchestrator probes the pod's address). */
  readonly host?: string;
  readonly metrics: Metrics;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** What must hold for the process to be worth keeping: false means restart me (a stage that can no longer work). */
  readonly liveness?: Readonly<Record<string, () => boolean>>;
  readonly info: () => Record<string, unknown>;
  /** Runs before each scrape, to refresh gauges that are costly to keep current (consumer lag). */
  readonly beforeScrape?: () => Promise<void>;
  readonly logger: Logger;
}

export interface OperationsServer {
  readonly port: number;
  close(): Promise<void>;
}

const checkTimeoutMs = 2_000;
/** How long a check's answer serves further readiness requests: a flood of probes costs one check a second. */
const checkCacheMs = 1_000;

/**
 * A check that runs once at a time and whose answer is kept for `checkCacheMs`: every readiness request in
 * between shares it, so that probes never compete with the work for the database's connections.
 */
export function sharedCheck(check: ReadinessCheck, now: () => number = performance.now.bind(performance)) {
  let inFlight: Promise<boolean> | undefined;
  let answered: { at: number; up: boolean } | undefined;
  return (): Promise<boolean> => {
    if (answered && now() - answered.at < checkCacheMs) return Promise.resolve(answered.up);
    inFlight ??= runCheck(check).then((up) => {
      answered = { at: now(), up };
      inFlight = undefined;
      return up;
    });
    return inFlight;
  };
}

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), checkTimeoutMs);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every path the operations server answers: the deployment test checks each probe and scrape names one. */
export const operationsPaths = [
  '/health',
  '/health/liveness',
  '/health/readiness',
  '/metrics',
  '/info',
] as const;

/**
 * `/health/liveness` (the process answers, and no stage has stopped working for good: 503 naming it otherwise,
 * so that an orchestrator restarts the process), `/health/readiness` (every dependency answers and every stage's
 * consumers have joined; 503 otherwise, with which check failed), `/health` (every component's state, for a
 * person or a dashboard), `/metrics` (Prometheus) and `/info`.
 */
export async function startOperationsServer(options: OperationsServerOptions): Promise<OperationsServer> {
  const checks = Object.entries(options.checks).map(([name, check]) => [name, sharedCheck(check)] as const);
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const handle = async () => {
      switch (pathname) {
        case '/health': {
          // Every component at once, as HMPPS services show it: each dependency's readiness check and each
          // stage's liveness; 503 where any is down. The probes use the two below.
          const components = Object.fromEntries([
            ...(await Promise.all(
              checks.map(
                async ([name, check]) => [name, { status: (await check()) ? 'UP' : 'DOWN' }] as const,
              ),
            )),
            ...Object.entries(options.liveness ?? {}).map(
              ([name, alive]) => [name, { status: alive() ? 'UP' : 'DOWN' }] as const,
            ),
          ]);
          const up = Object.values(components).every((component) => component.status === 'UP');
          return json(up ? 200 : 503, { status: up ? 'UP' : 'DOWN', components });
        }
        case '/health/liveness': {
          const down = Object.entries(options.liveness ?? {})
            .filter(([, alive]) => !alive())
            .map(([name]) => name);
          return down.length
            ? json(503, { status: 'DOWN', checks: Object.fromEntries(down.map((name) => [name, 'DOWN'])) })
            : json(200, { status: 'UP' });
        }
        case '/health/readiness': {
          const results = Object.fromEntries(
            await Promise.all(
              checks.map(async ([name, check]) => [name, (await check()) ? 'UP' : 'DOWN'] as const),
            ),
          );
          const up = Object.values(results).every((status) => status === 'UP');
          return json(up ? 200 : 503, { status: up ? 'UP' : 'DOWN', checks: results });
        }
        case '/metrics':
          await options.beforeScrape?.().catch((error: unknown) => {
            options.logger.warn({ error: messageOf(error) }, 'could not refresh the consumer lag');
          });
          response.writeHead(200, { 'content-type': options.metrics.registry.contentType });
          return response.end(await options.metrics.registry.metrics());
        case '/info':
          return json(200, options.info());
        default:
          return json(404, { status: 404, message: `no such endpoint: ${pathname}` });
      }
    };
    handle().catch((error: unknown) => {
      options.logger.error({ error: messageOf(error), pathname }, 'operations endpoint failed');
      if (!response.headersSent) json(500, { status: 500 });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
