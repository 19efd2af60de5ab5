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
 * Where a message's settling stands between the calls that make it: a Kafka stage gives its partition back while
 * a message waits (so that the consumer goes on fetching its other partitions, and they can show whether a
 * dependency serves others), and settles the same record again on the next fetch, from where it was.
 */
export interface SettleProgress {
  attempt: number;
  /** When this message first failed on each dependency: a dependency that answered others since is up. */
  readonly failedOn: Map<Dependency, number>;
  /** Its next try is not before this (ms since the epoch); 0 when it is not waiting. */
  resumeAt: number;
  /** The outage it waits out, and since when: an answer of that dependency ends the wait. */
  outage: { readonly dependency: Dependency; readonly since: number } | undefined;
}

export const freshProgress = (): SettleProgress => ({
  attempt: 1,
  failedOn: new Map(),
  resumeAt: 0,
  outage: undefined,
});

/**
 * Brings one message to a final outcome, or leaves it unsettled (undefined): when the stage stops (its offset is
 * not committed, so it is delivered again), or, given a `sliceMs`, when it must wait longer than that before its
 * next try (call again with the same `progress` to go on). Nothing thrown escapes: a failure of the decoding,
 * the handler or the publishing of its records is classified, then retried with backoff, waited out while it is
 * a dependency's outage (outage-watch.ts), or dead-lettered with its reason. A dead letter that cannot be
 * published is tried again until it is, since committing without it would lose the message.
 */
export async function settleMessage<In, Out, M = IncomingMessage>(
  message: M,
  settling: Settling<In, Out, M>,
  progress: SettleProgress = freshProgress(),
  sliceMs = Number.POSITIVE_INFINITY,
): Promise<Settled<Out> | undefined> {
  const { policy, signal, logger, outages } = settling;
  let subject: Subject = settling.subjectOfMessage?.(message) ?? {};
  let failure: AppError;
  const { failedOn } = progress;
  /** Waits for the next try, a slice at a time: false when it must be called again (or the stage stops). */
  const waited = async (): Promise<boolean> => {
    const { outage } = progress;
    if (outage && outages.answeredSince(outage.dependency, outage.since)) progress.resumeAt = 0;
    const remaining = progress.resumeAt - Date.now();
    if (remaining > 0) {
      const woken = outage ? outages.nextAnswer(outage.dependency) : undefined;
      let answered = false;
      void woken?.then(() => (answered = true));
      const slice = Math.min(remaining, sliceMs);
      if (!(await pause(slice, signal, () => settling.heartbeat(), undefined, woken))) return false;
      // Waiting out an outage gives the partition back after every wait, however short: the consumer fetches
      // its other partitions meanwhile, and their answers can show that the fault is this message's.
      const handBack = outage !== undefined && Number.isFinite(sliceMs);
      if (!answered && (remaining > slice || handBack)) return false;
    }
    progress.resumeAt = 0;
    progress.outage = undefined;
    return true;
  };
  if (!(await waited())) return undefined;
  for (;;) {
    const { attempt } = progress;
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
    const waiting = spent && (await outages.waitsOut(failure, firstFailedAt));
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
    progress.resumeAt = Date.now() + delayMs;
    progress.outage = outage ? { dependency: outage, since: Date.now() } : undefined;
    progress.attempt += 1;
    if (!(await waited())) return undefined;
  }

  const attempt = progress.attempt;
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
