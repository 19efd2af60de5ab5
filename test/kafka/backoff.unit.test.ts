import { backoffDelay, pause } from '../../src/kafka/backoff.ts';

describe('retry backoff', () => {
  const policy = { maxAttempts: 6, initialDelayMs: 100, maxDelayMs: 1_000 };

  it('grows exponentially up to the cap, with full jitter below the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy, attempt, () => 1))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 3, () => 0)).toBe(1);
  });

  it('stops waiting as soon as it is aborted', async () => {
    const controller = new AbortController();
    const waiting = pause(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(pause(1, new AbortController().signal)).resolves.toBe(true);
  });
});
