import type { AppError } from '../domain/errors.ts';
import { backoffDelay, pause, type RetryPolicy } from '../kafka/backoff.ts';
import type { Logger } from './logger.ts';

export interface DependencyWait {
  /** What is waited for, in the log line: "waiting for <name>". */
  readonly name: string;
  readonly classify: (error: unknown) => AppError;
  /** The error codes that mean "it is down, wait": anything else stops the start with its reason. */
  readonly outageCodes: ReadonlySet<string>;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly signal?: AbortSignal | undefined;
}

/**
 * A dependency that is down at start-up is an outage to wait out, as it is while running: one log line per wait,
 * backing off, until it answers or the process is told to stop. A process that exits instead would only be
 * restarted into the same outage, again and again.
 */
export async function waitForDependency<T>(wait: DependencyWait, open: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await open();
    } catch (thrown) {
      const error = wait.classify(thrown);
      if (!wait.outageCodes.has(error.code)) throw thrown;
      const delayMs = backoffDelay(wait.retry, Math.min(attempt, 30));
      wait.logger.warn(
        { attempt, delayMs, code: error.code, error: error.message },
        `waiting for ${wait.name}`,
      );
      if (!(await pause(delayMs, wait.signal ?? new AbortController().signal)))
        throw new Error(`stopped while waiting for ${wait.name}`, { cause: thrown });
    }
  }
}
