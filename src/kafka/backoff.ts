export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Six tries over about six seconds, then (for what is not an outage) a dead letter; waits of at most 30 s. */
export const retryDefaults = {
  maxAttempts: 6,
  initialDelayMs: 200,
  maxDelayMs: 30_000,
} as const satisfies RetryPolicy;

/**
 * Exponential backoff with full jitter: a random wait up to initial × 2^(attempt−1), capped. Jitter spreads
 * the retries of many partitions so that a recovering database or API is not hit by all of them at once.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.max(1, Math.round(ceiling * random()));
}

/**
 * Waits `ms`, calling `tick` every `tickMs` meanwhile (heartbeats); resolves false at once if `signal` aborts,
 * and true early when `until` resolves (what was waited for came back).
 */
export function pause(
  ms: number,
  signal: AbortSignal,
  tick?: () => Promise<void>,
  tickMs = 3_000,
  until?: Promise<void>,
): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const ticker = tick ? setInterval(() => void tick().catch(() => undefined), tickMs) : undefined;
    const finish = (completed: boolean) => {
      clearTimeout(timer);
      if (ticker) clearInterval(ticker);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    void until?.then(() => finish(!signal.aborted));
  });
}
