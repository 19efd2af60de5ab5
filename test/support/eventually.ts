import { ceiling } from './patience.ts';
/**
 * Polls `probe` until it passes (returns without throwing and not false), or fails with its last error after
 * `timeoutMs`. Tests wait for observable outcomes this way, never for a fixed time.
 */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  { timeoutMs = ceiling(30_000), intervalMs = 100 } = {},
): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== false) return result as Exclude<T, false>;
      lastError = new Error('the condition was still false');
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `not reached within ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
        { cause: lastError },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
