import { messageOf } from '../domain/errors.ts';
import { pause } from '../kafka/backoff.ts';
import type { Publisher } from '../kafka/publisher.ts';
import { watermarkHeaders, type Watermark } from '../kafka/watermark.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SourceWatermark } from './source-watermark.ts';

export interface WatermarkEmitterOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly instance: string;
  /** How often the watermark is said while this instance has had messages lately: what a release waits. */
  readonly activeIntervalMs: number;
  /** How often when it has had none for `activeForMs`: enough for the sink to know the instance is there. */
  readonly idleIntervalMs: number;
  readonly activeForMs: number;
  /** How long the sink counts a word of this instance with no later one (visibility timeout plus a margin). */
  readonly expiryMs: number;
}

export const watermarkEmitterDefaults = {
  activeIntervalMs: 50,
  idleIntervalMs: 1_000,
  activeForMs: 5_000,
} as const satisfies Partial<WatermarkEmitterOptions>;

export interface WatermarkEmitter {
  /** Says the last word (leaving, when nothing is held or owed) and stops. */
  stop(): Promise<void>;
}

/**
 * Says the instance's watermark on every partition of the domain-event topic, on the same producer as the
 * records (so after each of them that reached Kafka first). Often while there is work, seldom when idle: an idle
 * queue costs a record per partition a second. A failed word is only a later release: logged once a streak.
 */
export function startWatermarkEmitter(
  options: WatermarkEmitterOptions,
  deps: {
    readonly watermark: SourceWatermark;
    readonly publisher: Publisher;
    readonly logger: Logger;
    readonly metrics: Metrics;
  },
): WatermarkEmitter {
  const controller = new AbortController();
  let saidAt = Number.NEGATIVE_INFINITY;
  let said: number | undefined;
  let failing = false;
  const say = async (at: number, now: number, leaving: boolean) => {
    const mark: Watermark = {
      instance: options.instance,
      at,
      emittedAt: now,
      expiresAt: now + options.expiryMs,
      ...(leaving ? { leaving } : {}),
    };
    const headers = watermarkHeaders(mark);
    try {
      await deps.publisher.publishMarks(
        Array.from({ length: options.partitions }, (_, partition) => ({
          topic: options.topic,
          partition,
          headers,
        })),
      );
      saidAt = now;
      said = at;
      deps.metrics.connectorWatermark.set(at / 1000);
      if (failing) deps.logger.info('the watermark is said again');
      failing = false;
    } catch (error) {
      if (!failing)
        deps.logger.warn(
          { error: messageOf(error) },
          'cannot say the watermark: allocations wait for it, or for the order window',
        );
      failing = true;
    }
  };
  const loop = (async () => {
    while (!controller.signal.aborted) {
      const now = Date.now();
      const active = now - deps.watermark.lastTakenAt() < options.activeForMs;
      const at = deps.watermark.current(now);
      // A word that says nothing new waits for the idle interval (it still shows the instance is alive).
      const due = now - saidAt >= options.idleIntervalMs || (active && at !== said);
      if (at !== undefined && due) await say(at, now, false);
      // Idle, it looks often and speaks seldom: the first receive that brings messages makes it speak at once.
      await pause(active ? options.activeIntervalMs : options.activeIntervalMs * 2, controller.signal);
    }
  })();
  return {
    async stop() {
      controller.abort();
      await loop;
      const now = Date.now();
      const at = deps.watermark.current(now);
      if (at !== undefined) await say(at, now, !deps.watermark.holding(now));
    },
  };
}
