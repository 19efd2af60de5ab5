import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Config } from '../config/config.ts';
import type { AppError } from '../domain/errors.ts';
import type { Publisher } from '../kafka/publisher.ts';
import type { AvroSerde } from '../kafka/serde.ts';
import type { RunningStage } from '../kafka/stage.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Topology } from '../topology.ts';
import { awsSettingsFrom, createSqsClient } from './aws-clients.ts';
import { startSqsSource, type SourceOutcome } from './sqs-source.ts';

/** The connector as a stage of the service: SQS in, domain events out, with its queue as a readiness check. */
export async function startConnectorStage(
  config: Config,
  topology: Topology,
  shared: {
    serde: AvroSerde;
    publisher: Publisher;
    classify: (error: unknown) => AppError;
    metrics: Metrics;
    logger: Logger;
    onOutcome?: (outcome: SourceOutcome) => void;
  },
): Promise<RunningStage> {
  // A receive waits up to SQS_WAIT_TIME_SECONDS for messages; an answer later than 10 s after that is given up.
  const sqs = createSqsClient({
    ...awsSettingsFrom(config),
    requestTimeoutMs: (config.SQS_WAIT_TIME_SECONDS + 10) * 1000,
  });
  const { output } = topology.connector;
  await shared.serde.register(output.topic, output.contract.avro);
  const source = startSqsSource(
    {
      sqs,
      queueUrl: config.ALLOCATIONS_QUEUE_URL,
      publisher: shared.publisher,
      topic: output.topic,
      classify: shared.classify,
      visibilityTimeoutSeconds: config.SQS_VISIBILITY_TIMEOUT_SECONDS,
      maxBodyBytes: config.SQS_MAX_BODY_BYTES,
      waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
      logger: shared.logger.child({ stage: 'connector' }),
      metrics: shared.metrics,
    },
    { ...(shared.onOutcome ? { onOutcome: shared.onOutcome } : {}) },
  );
  return {
    name: 'connector',
    isReady: () => source.isReady(),
    // Its loop never ends but on a stop: a failing receive is retried and shows on readiness.
    isAlive: () => true,
    checks: {
      async sqs() {
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: config.ALLOCATIONS_QUEUE_URL,
            AttributeNames: ['QueueArn'],
          }),
        );
        return true;
      },
    },
    stopping: 'the connector (its SQS receive in flight)',
    stop: () => source.stop(),
  };
}
