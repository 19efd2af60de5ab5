import type { RunningStage } from '../kafka/stage.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import {
  startOperationsServer,
  type OperationsServer,
  type ReadinessCheck,
} from '../observability/operations-server.ts';
import { watchStep } from '../observability/watch-step.ts';

/** Consumer lag costs admin requests to Kafka: refreshed at most once a typical scrape interval. */
const lagRefreshIntervalMs = 10_000;

export interface ServiceOperations {
  readonly port: number;
  readonly host?: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly running: readonly RunningStage[];
  /** The checks of what every stage shares (Kafka, the registry). */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly refreshLag: () => Promise<void>;
  /** What /info shows besides the process (src/service/info.ts: the build, the stages). */
  readonly info: Readonly<Record<string, unknown>>;
}

/** The operations endpoints of a running service: each stage's readiness and liveness, metrics, and /info. */
export function openOperations(options: ServiceOperations): Promise<OperationsServer> {
  const checks: Record<string, ReadinessCheck> = { ...options.checks };
  const liveness: Record<string, () => boolean> = {};
  for (const stage of options.running) {
    Object.assign(checks, stage.checks);
    checks[`${stage.name}Stage`] = () => Promise.resolve(stage.isReady());
    liveness[`${stage.name}Stage`] = () => stage.isAlive();
  }
  options.metrics.reportLiveness(() =>
    options.running.map((stage) => ({ stage: stage.name, live: stage.isAlive() })),
  );
  const startedAt = new Date().toISOString();
  let lagRefreshedAt = -Infinity;
  return watchStep(options.logger, 'opening the operations endpoints', () =>
    startOperationsServer({
      port: options.port,
      ...(options.host ? { host: options.host } : {}),
      metrics: options.metrics,
      checks,
      liveness,
      logger: options.logger,
      info: () => ({ ...options.info, pid: process.pid, startedAt }),
      async beforeScrape() {
        if (performance.now() - lagRefreshedAt < lagRefreshIntervalMs) return;
        lagRefreshedAt = performance.now();
        await options.refreshLag();
      },
    }),
  );
}
