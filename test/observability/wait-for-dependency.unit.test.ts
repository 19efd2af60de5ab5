import { AppError } from '../../src/domain/errors.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { waitForDependency } from '../../src/observability/wait-for-dependency.ts';

function recordingLogger() {
  const lines: string[] = [];
  const logger = { warn: (_fields: unknown, message: string) => lines.push(message) } as unknown as Logger;
  return { logger, lines };
}

const down = new AppError('kafka-unavailable', 'connect ECONNREFUSED', { retryable: true });
const wait = (logger: Logger, signal?: AbortSignal) => ({
  name: 'Kafka',
  classify: (error: unknown) =>
    error instanceof AppError ? error : new AppError('unexpected', String(error)),
  outageCodes: new Set(['kafka-unavailable']),
  retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 2 },
  logger,
  signal,
});

describe('waiting for a dependency at start-up', () => {
  it('tries again, with a line each time, for as long as the dependency is down', async () => {
    const { logger, lines } = recordingLogger();
    let tries = 0;
    const value = await waitForDependency(wait(logger), () => {
      tries += 1;
      return tries < 4 ? Promise.reject(down) : Promise.resolve('connected');
    });
    expect(value).toBe('connected');
    expect(lines).toEqual(['waiting for Kafka', 'waiting for Kafka', 'waiting for Kafka']);
  });

  it('stops the start at once on anything that is not an outage', async () => {
    const { logger, lines } = recordingLogger();
    const refusal = new AppError('invalid-message', 'TOPIC_AUTHORIZATION_FAILED');
    await expect(waitForDependency(wait(logger), () => Promise.reject(refusal))).rejects.toBe(refusal);
    expect(lines).toEqual([]);
  });

  it('gives up when the process is told to stop', async () => {
    const { logger } = recordingLogger();
    const controller = new AbortController();
    const waiting = waitForDependency(wait(logger, controller.signal), () => {
      controller.abort();
      return Promise.reject(down);
    });
    await expect(waiting).rejects.toThrow('stopped while waiting for Kafka');
  });
});
