import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AppError } from '../domain/errors.ts';
import type { DomainEventRecord } from '../domain/topic-records.ts';
import type { RetryPolicy } from '../kafka/backoff.ts';
import type { OutageWatch } from '../kafka/outage-watch.ts';
import type { Publisher } from '../kafka/publisher.ts';
import type { Output, RunningStage } from '../kafka/stage.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createSqsClient, type AwsSettings } from './aws-clients.ts';
import { SourceWatermark } from './source-watermark.ts';
import { startWatermarkEmitter, watermarkEmitterDefaults } from './watermark-emitter.ts';
import { sqsSourceDefaults, startSqsSource, type SourceOutcome } from './sqs-source.ts';

export interface ConnectorOptions {
  readonly queueUrl: string;
  readonly aws: AwsSettings;
  readonly visibilityTimeoutSeconds: number;
  /** Long-poll wait (1–20 s): the longest a shutdown waits for the receive in flight. */
  readonly waitTimeSeconds: number;
  /** The largest SQS body taken on; larger ones go to the dead-letter queue. */
  readonly maxBodyBytes: number;
  readonly retry: RetryPolicy;
  /** Say this instance's low watermark on the output topic (source-watermark.ts); off: the window alone holds. */
  readonly watermark: {
    readonly enabled: boolean;
    /** How late SQS may show a message it took in, and its answer reach us. */
    readonly lateMs: number;
  };
}

/** Added to the visibility timeout before a silent instance's watermark stops counting. */
export const watermarkMarginMs = 5_000;

export const connectorDefaults = {
  visibilityTimeoutSeconds: 30,
  waitTimeSeconds: 20,
  maxBodyBytes: sqsSourceDefaults.maxBodyBytes,
  /** Longer than SQS takes to answer a receive that has messages, and to show one it took in, as a rule. */
  lateMs: 100,
} as const satisfies Partial<ConnectorOptions> & { readonly lateMs: number };

export interface ConnectorDeps {
  readonly output: Output<DomainEventRecord>;
  /** Registers the output's schema and publishes (the Kafka runtime). */
  readonly publisherFor: (outputs: readonly Output<DomainEventRecord>[]) => Promise<Publisher>;
  readonly partitionsOf: (topic: string) => Promise<number>;
  readonly classify: (error: unknown) => AppError;
  readonly outages: OutageWatch;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly onOutcome?: ((outcome: SourceOutcome) => void) | undefined;
}

/** The connector as a stage of the service: SQS in, domain events out, with its queue as a readiness check. */
export async function startConnector(options: ConnectorOptions, deps: ConnectorDeps): Promise<RunningStage> {
  // A receive waits up to waitTimeSeconds for messages; an answer later than 10 s after that is given up.
  const sqs = createSqsClient({ ...options.aws, requestTimeoutMs: (options.waitTimeSeconds + 10) * 1000 });
  const publisher = await deps.publisherFor([deps.output]);
  const logger = deps.logger.child({ stage: 'connector' });
  // A message put back is visible again after the visibility timeout; the margin is for its next receive.
  const expiryMs = options.visibilityTimeoutSeconds * 1000 + watermarkMarginMs;
  const watermark = options.watermark.enabled
    ? new SourceWatermark({ lateMs: options.watermark.lateMs, expiryMs })
    : undefined;
  const emitter = watermark
    ? startWatermarkEmitter(
        {
          ...watermarkEmitterDefaults,
          topic: deps.output.topic,
          partitions: await deps.partitionsOf(deps.output.topic),
          instance: randomUUID(),
          expiryMs,
        },
        { watermark, publisher, logger, metrics: deps.metrics },
      )
    : undefined;
  const source = startSqsSource(
    {
      sqs,
      queueUrl: options.queueUrl,
      publisher,
      watermark,
      topic: deps.output.topic,
      classify: deps.classify,
      outages: deps.outages,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      maxBodyBytes: options.maxBodyBytes,
      waitTimeSeconds: options.waitTimeSeconds,
      retry: options.retry,
      logger,
      metrics: deps.metrics,
    },
    deps.onOutcome ? { onOutcome: deps.onOutcome } : {},
  );
  return {
    name: 'connector',
    isReady: () => source.isReady(),
    // Its loop never ends but on a stop: a failing receive is retried and shows on readiness.
    isAlive: () => true,
    checks: {
      async sqs() {
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }),
        );
        return true;
      },
    },
    stopping: 'the connector (its SQS receive in flight)',
    async stop() {
      await source.stop();
      await emitter?.stop();
    },
  };
}
