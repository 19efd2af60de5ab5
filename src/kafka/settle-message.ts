import type { AppError } from '../domain/errors.ts';
import type { Handled, Subject } from '../domain/outcome.ts';
import type { Logger } from '../observability/logger.ts';
import { backoffDelay, pause } from './backoff.ts';
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
 * publishing of its records is classified, then retried with backoff or dead-lettered with its reason. A dead
 * letter that cannot be published is tried again until it is, since committing without it would lose the message.
 */
export async function settleMessage<In, Out, M = IncomingMessage>(
  message: M,
  settling: Settling<In, Out, M>,
): Promise<Settled<Out> | undefined> {
  const { policy, signal, logger } = settling;
  let subject: Subject = settling.subjectOfMessage?.(message) ?? {};
  let failure: AppError;
  let attempt = 1;
  for (; ; attempt += 1) {
    try {
      const input = await settling.decode(message);
      subject = { ...subject, ...settling.subjectOf(input) };
      const handled = await settling.handle(input, { signal, attempt, logger, origin: message });
      const outcome: StageOutcome<Out> = { ...handled, subject: { ...subject, ...handled.subject } };
      if (outcome.status !== 'ignored' && outcome.result.length) await settling.publish(outcome.result);
      return { outcome, attempts: attempt };
    } catch (thrown) {
      failure = settling.classify(thrown);
    }
    if (!failure.retryable) break;
    settling.onRetry?.(failure);
    if (attempt >= policy.retry.maxAttempts && !policy.waitOn?.(failure)) {
      logger.warn({ code: failure.code, attempt }, 'giving up after the last attempt');
      if (settling.exhausted === 'release')
        return { outcome: { status: 'retry', subject, error: failure }, attempts: attempt };
      break;
    }
    const delayMs = backoffDelay(policy.retry, Math.min(attempt, 30));
    logger.warn({ code: failure.code, error: failure.message, attempt, delayMs }, 'will retry');
    if (!(await pause(delayMs, signal, () => settling.heartbeat()))) return undefined;
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
