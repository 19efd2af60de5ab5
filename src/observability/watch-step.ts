import type { Logger } from './logger.ts';

/**
 * Runs one step of start-up, saying every `everyMs` that it is still waiting, so that a start that hangs names
 * the step it hangs in rather than falling silent.
 */
export async function watchStep<T>(
  logger: Logger,
  step: string,
  work: () => Promise<T>,
  everyMs = 10_000,
): Promise<T> {
  const startedAt = performance.now();
  const timer = setInterval(
    () => logger.warn({ step, ms: Math.round(performance.now() - startedAt) }, 'start-up still waiting'),
    everyMs,
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
