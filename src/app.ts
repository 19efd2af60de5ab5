import { classifyError } from './classify-error.ts';
import type { Dependency } from './domain/errors.ts';
import type { Config, StageName } from './config/config.ts';
import * as options from './config/options.ts';
import { startConnector } from './connectors/connector-stage.ts';
import type { SourceOutcome } from './connectors/sqs-source.ts';
import { OutageWatch } from './kafka/outage-watch.ts';
import { openKafkaRuntime } from './kafka/runtime.ts';
import type { IncomingMessage, RunningStage, StageOutcome } from './kafka/stage.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { processorStage } from './processors/processor-stage.ts';
import { startTelemetry } from './observability/telemetry.ts';
import { serviceInfo } from './service/info.ts';
import { openOperations } from './service/operations.ts';
import { startInOrder, stopperOf } from './service/start-stages.ts';
import { sinkStage } from './sinks/sink-stage.ts';
import { topologyOf } from './topology.ts';

export interface ServiceHooks {
  onStageOutcome?: (stage: StageName, outcome: StageOutcome, message: IncomingMessage) => void;
  onSourceOutcome?: (outcome: SourceOutcome) => void;
  /** Aborts a start still in progress (a SIGTERM while waiting for a dependency). */
  signal?: AbortSignal;
}

export interface Service {
  readonly stages: readonly StageName[];
  readonly metrics: Metrics;
  /** The port of the operations endpoints (health, metrics, info). */
  readonly httpPort: number;
  /** Stops upstream first; `onStep` hears each step as it starts, so a caller can say what it waits for. */
  stop(onStep?: (step: string) => void): Promise<void>;
}

/**
 * What the chosen stages call that has no readiness check of its own: readiness is DOWN while its outage is
 * waited out. (Kafka, the registry and the database have their own checks, which a probe answers.)
 */
function dependenciesOf(stages: readonly StageName[]): Dependency[] {
  return stages.includes('processor') ? ['workload-api', 'hmpps-auth'] : [];
}

/** Every dependency the chosen stages call: the outage gauge reports each from the start. */
function calledBy(stages: readonly StageName[]): Dependency[] {
  return [
    'kafka',
    'schema-registry',
    ...dependenciesOf(stages),
    ...(stages.includes('sink') ? ['database' as const] : []),
  ];
}

/** From the end of the pipeline, so that each stage's consumers are there before records arrive. */
const startOrder: readonly StageName[] = ['sink', 'processor', 'connector'];

/**
 * The composition root: builds the shared resources once, maps the chosen stages' definitions onto them,
 * starts them from the end of the pipeline and stops them upstream first. Each consumer stage is its own
 * consumer group, so more processes of a stage share its partitions.
 */
export async function startService(
  config: Config,
  stages: readonly StageName[],
  logger: Logger,
  hooks: ServiceHooks = {},
): Promise<Service> {
  options.checkStageSettings(config, stages);
  const info = serviceInfo(config, stages);
  const telemetry = await startTelemetry(
    options.telemetryOf(config, stages, String(info['version'])),
    logger,
  );
  const topology = topologyOf(config);
  const metrics = createMetrics();
  // One per process: the stages of a process share Kafka and the registry, and their outages.
  const outages = new OutageWatch({ logger, metrics });
  outages.watching(calledBy(stages));
  const shared = { logger, metrics, classify: classifyError, outages, signal: hooks.signal };
  const outputs = stages.map((stage) => topology[stage].output);
  const kafka = await openKafkaRuntime(options.kafkaRuntimeOptionsOf(config), outputs, {
    ...shared,
    onOutcome: (stage, outcome, message) => hooks.onStageOutcome?.(stage as StageName, outcome, message),
  }).catch(async (error: unknown) => {
    await telemetry.stop();
    throw error;
  });
  const starters: Record<StageName, () => Promise<RunningStage>> = {
    sink: () => kafka.run(sinkStage(options.sinkOptionsOf(config), { ...shared, route: topology.sink })),
    processor: () =>
      kafka.run(processorStage(options.processorOptionsOf(config), { ...shared, route: topology.processor })),
    connector: () =>
      startConnector(options.connectorOptionsOf(config), {
        ...shared,
        output: topology.connector.output,
        publisherFor: (list) => kafka.publisherFor(list),
        partitionsOf: (topic) => kafka.partitionsOf(topic),
        onOutcome: hooks.onSourceOutcome,
      }),
  };
  const chosen = startOrder.filter((name) => stages.includes(name));
  const running = await startInOrder(
    chosen.map((name) => ({ name, start: starters[name] })),
    logger,
  ).catch(async (error: unknown) => {
    await kafka.close().catch(() => undefined);
    await telemetry.stop();
    throw error;
  });
  const operations = await openOperations({
    ...options.operationsOptionsOf(config),
    metrics,
    logger,
    running,
    checks: { ...kafka.checks, ...outages.checks(dependenciesOf(stages)) },
    refreshLag: () => kafka.refreshLag(),
    info,
  });
  const stop = stopperOf(
    [
      // Upstream first: the connector stops taking from SQS while the later stages finish what is in hand.
      ...running.map((stage) => ({ name: stage.stopping, stop: () => stage.stop() })),
      { name: 'the operations endpoints', stop: () => operations.close() },
      { name: 'the Kafka clients', stop: () => kafka.close() },
      // Last: the spans of every stop above are exported too.
      { name: 'the telemetry exporters', stop: () => telemetry.stop() },
    ],
    logger,
  );
  return { httpPort: operations.port, stages, metrics, stop };
}
