import { messageOf } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import { backoffDelay, pause } from './backoff.ts';
import type { Decoded } from './partition-engine.ts';
import { publisherOf } from './publisher.ts';
import type { StageRuntime } from './stage-runner.ts';
import type { IncomingMessage, StageDefinition } from './stage.ts';
import { readWatermark, watermarkHeader, type Watermark } from './watermark.ts';

/**
 * A watermark record as a stage fetches it: its word, or why it is none (then it is settled as any record
 * that cannot be decoded: dead-lettered as invalid).
 */
export function markOf<In>(message: IncomingMessage): { decoded: Decoded<In>; mark?: Watermark } {
  try {
    return { decoded: { ok: false, error: undefined }, mark: readWatermark(message.headers) };
  } catch (error) {
    return { decoded: { ok: false, error } };
  }
}

/** Passes a watermark record on; false when a stop came first (it is read again after the restart). */
export type ForwardMark = (message: IncomingMessage, heartbeat: () => Promise<void>) => Promise<boolean>;

/**
 * How a stage passes the connectors' watermarks on (watermark.ts): to the same partition of its output, after
 * the records it made from those before it. Only when both topics have as many partitions, so that a person's
 * records are on the same partition number in both; otherwise it says so once and passes none on (the sink then
 * holds by the order window alone). A stage that does not pass them on (the sink) settles them as read.
 */
export async function watermarkForwarder<In, Out>(
  definition: StageDefinition<In, Out>,
  runtime: StageRuntime,
  logger: Logger,
  signal: AbortSignal,
): Promise<ForwardMark> {
  const output = definition.outputs[0]?.topic;
  const settled: ForwardMark = () => Promise.resolve(true);
  if (!definition.forwardWatermarks || output === undefined) return settled;
  const [from, to] = await Promise.all([
    runtime.partitionsOf(definition.input.topic),
    runtime.partitionsOf(output),
  ]);
  if (from !== to) {
    logger.warn(
      { input: definition.input.topic, inputPartitions: from, output, outputPartitions: to },
      'watermarks are not passed on: the topics have different partition counts (the order window alone holds)',
    );
    return settled;
  }
  const publisher = publisherOf(runtime.producer, runtime.serde);
  return async (message, heartbeat) => {
    const mark = {
      topic: output,
      partition: message.partition,
      headers: { [watermarkHeader]: message.headers[watermarkHeader] ?? '' },
    };
    for (let attempt = 1; !signal.aborted; attempt += 1) {
      try {
        await publisher.publishMarks([mark]);
        return true;
      } catch (thrown) {
        const error = runtime.classify(thrown);
        if (!error.retryable) {
          // Only a later release for the records behind it: never worth holding the partition for.
          logger.warn({ error: messageOf(error) }, 'a watermark cannot be passed on: left out');
          return true;
        }
        await pause(backoffDelay(definition.policy.retry, Math.min(attempt, 30)), signal, heartbeat);
      }
    }
    return false;
  };
}
