import type { Outcome } from '../domain/outcome.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { reportError } from '../observability/error-reports.ts';
import { logContext } from '../observability/log-context.ts';

/** The message id the log context names (the record's or the SQS message's), as a tag. */
function messageIdOf(context: Readonly<Record<string, unknown>>): Record<string, string> {
  const id = context['messageId'];
  return typeof id === 'string' ? { messageId: id } : {};
}

/** One settled message as every stage reports it, whatever it reads from. */
export interface SettledReport<Result> {
  readonly outcome: Outcome<Result>;
  readonly attempts: number;
  readonly startedAt: number;
}

/**
 * The one place an outcome becomes a log line and metrics, for the Kafka stages and the SQS connector alike:
 * a dashboard or an alert reads every stage the same way.
 */
export function outcomeObserver(stage: string, logger: Logger, metrics: Metrics) {
  return <Result>({ outcome, attempts, startedAt }: SettledReport<Result>): void => {
    metrics.messages.inc({ stage, kind: outcome.subject.kind ?? 'unknown', outcome: outcome.status });
    metrics.processingSeconds.observe({ stage }, (performance.now() - startedAt) / 1000);
    const summary = {
      outcome: outcome.status,
      kind: outcome.subject.kind,
      crn: outcome.subject.crn,
      attempts,
    };
    switch (outcome.status) {
      case 'dead-letter':
        metrics.deadLetters.inc({ stage, code: outcome.error.code });
        // To the error tracker where one is set (Sentry): each dead letter is an allocation Delius lacks.
        reportError(outcome.error, {
          stage,
          ...(outcome.subject.kind ? { kind: outcome.subject.kind } : {}),
          ...messageIdOf(logContext()),
        });
        logger.error(
          {
            ...summary,
            code: outcome.error.code,
            error: outcome.error.message,
            context: outcome.error.context,
          },
          'dead-lettered',
        );
        break;
      case 'retry':
        logger.warn({ ...summary, code: outcome.error.code, error: outcome.error.message }, 'left to retry');
        break;
      case 'ignored':
        logger.info({ ...summary, reason: outcome.reason, properties: outcome.properties }, 'ignored');
        break;
      default:
        logger.info(summary, outcome.status);
    }
  };
}
