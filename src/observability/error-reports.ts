import type { AppError } from '../domain/errors.ts';

/** Where errors worth a person's attention go beyond the logs (Sentry, where SENTRY_DSN is set). */
export type ErrorReporter = (error: AppError, tags: Readonly<Record<string, string>>) => void;

// Process-wide, as the error trackers' own APIs are: the outcome observer of every stage reports here, and
// src/observability/telemetry.ts installs the reporter at start-up (none: nothing is sent, nothing costs).
let reporter: ErrorReporter | undefined;

/** Reports an error to the installed reporter, if any; a reporter's own failure is never the caller's. */
export function reportError(error: AppError, tags: Readonly<Record<string, string>>): void {
  try {
    reporter?.(error, tags);
  } catch {
    // An error tracker that cannot take a report must not stop a stage: the log line has it.
  }
}

/** Installs the reporter; the returned function removes it. */
export function installErrorReporter(installed: ErrorReporter): () => void {
  reporter = installed;
  return () => {
    if (reporter === installed) reporter = undefined;
  };
}
