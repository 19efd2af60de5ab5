import type { Logger } from '../../src/observability/logger.ts';
import { watchStep } from '../../src/observability/watch-step.ts';

function recordingLogger(onWarn: () => void = () => undefined) {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    warn(fields: Record<string, unknown>, message: string) {
      warnings.push({ fields, message });
      onWarn();
    },
  } as unknown as Logger;
  return { logger, warnings };
}

describe('a start-up step', () => {
  it('says which step it is still waiting for while the step has not finished', async () => {
    let finish: () => void = () => undefined;
    const { logger, warnings } = recordingLogger(() => finish());
    // The step ends only once a "still waiting" line has been written.
    const value = await watchStep(
      logger,
      'starting the sink',
      () => new Promise<string>((resolve) => (finish = () => resolve('started'))),
      5,
    );
    expect(value).toBe('started');
    expect(warnings[0]?.message).toBe('start-up still waiting');
    expect(warnings[0]?.fields['step']).toBe('starting the sink');
  });

  it('says nothing for a step that finishes in time, and passes its failure on', async () => {
    const { logger, warnings } = recordingLogger();
    await expect(watchStep(logger, 'quick', () => Promise.resolve(1), 60_000)).resolves.toBe(1);
    await expect(
      watchStep(logger, 'failing', () => Promise.reject(new Error('refused')), 60_000),
    ).rejects.toThrow('refused');
    expect(warnings).toEqual([]);
  });
});
