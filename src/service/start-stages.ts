import type { RunningStage } from '../kafka/stage.ts';
import type { Logger } from '../observability/logger.ts';
import { watchStep } from '../observability/watch-step.ts';

export interface StageStarter {
  readonly name: string;
  readonly start: () => Promise<RunningStage>;
}

/**
 * Starts stages one after another, one line per step (so that a start that hangs says where). A stage that
 * fails to start stops those already started: nothing a failed start opened may keep the process alive.
 * Returns them upstream first, the order they stop in.
 */
export async function startInOrder(
  starters: readonly StageStarter[],
  logger: Logger,
): Promise<RunningStage[]> {
  const running: RunningStage[] = [];
  try {
    for (const { name, start } of starters) {
      const startedAt = performance.now();
      logger.info({ stage: name }, 'starting stage');
      running.unshift(await watchStep(logger, `starting the ${name}`, start));
      logger.info({ stage: name, ms: Math.round(performance.now() - startedAt) }, 'stage started');
    }
  } catch (error) {
    for (const stage of running) await stage.stop().catch(() => undefined);
    throw error;
  }
  return running;
}

/** A step of stopping, named so that a slow stop says what it is waiting for. */
export interface StopStep {
  readonly name: string;
  readonly stop: () => Promise<void>;
}

/** Runs the steps in order, once however often it is called; `onStep` hears each step as it starts. */
export function stopperOf(steps: readonly StopStep[], logger: Logger) {
  let stopping: Promise<void> | undefined;
  return (onStep?: (step: string) => void): Promise<void> =>
    (stopping ??= (async () => {
      for (const { name, stop } of steps) {
        onStep?.(name);
        const startedAt = performance.now();
        await stop();
        logger.info({ step: name, ms: Math.round(performance.now() - startedAt) }, 'stopped');
      }
      logger.info('service stopped');
    })());
}
