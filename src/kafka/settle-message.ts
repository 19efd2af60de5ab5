import type { AppError, Dependency } from '../domain/errors.ts';
import type { Handled, Subject } from '../domain/outcome.ts';
import type { Logger } from '../observability/logger.ts';
import { backoffDelay, pause } from './backoff.ts';
import type { OutageWatch } from './outage-watch.ts';
import type { Emit, HandlerContext, IncomingMessage, StageOutcome, StagePolicy } from './stage.ts';

/**
 * What settling a message needs: the Kafka runner gives it a record and Kafka, the SQS connector a queue's
 * message and Kafka, the unit tests fakes.
 */
export interface Settling<In, Out = unknown, M = IncomingMessage> {
  decode(message: M): Promise<In>;
  /** Whom the message is about before it is decoded (a record's key). */
  readonly subjectOfMessage?: (message: M) => Subject;
  readonly subjectOf: (input: In) => Subject;
  readonly handle: (input: In, context: HandlerContext<M>) => Promise<Handled<readonly Emit<Out>[]>>;
  publish(emits: readonly Emit<Out>[]): Promise<void>;
  /** Sets a message aside with its reason; for a source with its own dead-letter queue, leaves it to that. */
  deadLetter(message: M, error: AppError, attempts: number): Promise<void>;
  /**
   * A retryable failure past its last attempt: dead-lettered (the default), or, for a source that delivers
   * again by itself (SQS), released to it: outcome `retry`.
   */
  readonly exhausted?: 'dead-letter' | 'release';
  classify(error: unknown): AppError;
  /** Tells an outage (waited out, however long) from a bad message (retried, then given up). */
  readonly outages: OutageWatch;
  readonly policy: StagePolicy;
  readonly signal: AbortSignal;
  heartbeat(): Promise<void>;
  readonly logger: Logger;
  onRetry?(error: AppError): void;
  /**
   * A dead letter still cannot be written after `deadLetterTriesBeforeStuck` tries: the stage can no longer go
   * on by itself (liveness DOWN, so that it is restarted and someone looks). It goes on trying meanwhile.
   */
  onStuck?(error: AppError): void;
}

/** Tries of a dead letter (with the retry policy's backoff between them) before the stage says it is stuck. */
export const deadLetterTriesBeforeStuck = 10;

export interface Settled<Out = unknown> {
  readonly outcome: StageOutcome<Out>;
  readonly attempts: number;
}

/**
 * Brings one message to a final outcome, or gives it up when the stage stops (undefined: its offset is not
 * committed, so it is delivered again). Nothing thrown escapes: a failure of the decoding, the handler or the
 * publishing of its records is classified, then retried with backoff, waited out while it is a dependency's
 * outage (outage-watch.ts), or dead-lettered with its reason. A dead letter that cannot be published is tried
 * again until it is, since committing without it would lose the message.
 */
export async function settleMessage<In, Out, M = IncomingMessage>(
  message: M,
  settling: Settling<In, Out, M>,
): Promise<Settled<Out> | undefined> {
  const { policy, signal, logger, outages } = settling;
  let subject: Subject = settling.subjectOfMessage?.(message) ?? {};
  let failure: AppError;
  let attempt = 1;
  // When this message first failed on each dependency: a dependency that answered others since is up.
  const failedOn = new Map<Dependency, number>();
  for (; ; attempt += 1) {
    try {
      const input = await settling.decode(message);
      subject = { ...subject, ...settling.subjectOf(input) };
      const handled = await settling.handle(input, { signal, attempt, logger, origin: message });
      const outcome: StageOutcome<Out> = { ...handled, subject: { ...subject, ...handled.subject } };
      if (outcome.status !== 'ignored' && outcome.result.length) await settling.publish(outcome.result);
      // Whatever failed this message before has answered now.
      for (const dependency of failedOn.keys()) outages.answered(dependency);
      return { outcome, attempts: attempt };
    } catch (thrown) {
      failure = settling.classify(thrown);
    }
    if (!failure.retryable) break;
    settling.onRetry?.(failure);
    const { dependency } = failure;
    if (dependency) {
      if (!failedOn.has(dependency)) failedOn.set(dependency, Date.now());
      outages.failed(failure, message);
    }
    const spent = attempt >= policy.retry.maxAttempts;
    const firstFailedAt = (dependency && failedOn.get(dependency)) ?? Date.now();
    const waiting = spent && outages.waitsOut(failure, firstFailedAt);
    if (spent && !waiting) {
      logger.warn({ code: failure.code, attempt }, 'giving up after the last attempt');
      if (settling.exhausted === 'release')
        return { outcome: { status: 'retry', subject, error: failure }, attempts: attempt };
      break;
    }
    const delayMs = outages.delayFor(dependency, backoffDelay(policy.retry, Math.min(attempt, 30)));
    // While an outage is waited out, the watch says so once; each message's tries are detail.
    const line = { code: failure.code, error: failure.message, attempt, delayMs };
    const outage = dependency && (waiting || outages.isDown(dependency)) ? dependency : undefined;
    if (outage) logger.debug(line, 'waiting out an outage');
    else logger.warn(line, 'will retry');
    // Waiting out an outage ends at the dependency's first answer to anyone; a retry keeps its backoff.
    const woken = outage ? outages.nextAnswer(outage) : undefined;
    if (!(await pause(delayMs, signal, () => settling.heartbeat(), undefined, woken))) return undefined;
  }

  for (let tries = 1; ; tries += 1) {
    try {
      await settling.deadLetter(message, failure, attempt);
      return { outcome: { status: 'dead-letter', subject, error: failure }, attempts: attempt };
    } catch (thrown) {
      const error = settling.classify(thrown);
      const delayMs = backoffDelay(policy.retry, Math.min(tries, 30));
      logger.error(
        { code: error.code, error: error.message, delayMs, tries },
        'cannot publish the dead letter; will try again',
      );
      if (tries === deadLetterTriesBeforeStuck) settling.onStuck?.(error);
      if (!(await pause(delayMs, signal, () => settling.heartbeat()))) return undefined;
    }
  }
}
