// Order without the wait (README, "Order per person"): with the connectors' watermark, an allocation made now is
// applied as soon as nothing made before it can still arrive, not a whole order window later; and one made
// earlier that Workforce published later, within ORDER_PUBLISH_BOUND_MS, is still applied first.
import { readWatermark, watermarkHeader } from '../../src/kafka/watermark.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { seedPeople, syntheticAllocation } from '../support/synthetic-allocations.ts';

const scope = testScope('order-watermark');
afterAll(() => scope.close());

/** Long: an allocation applied well within it was released by the watermark, not the window. */
const windowSeconds = 600;

/** Every partition of the sink's input has read a watermark it trusts (the metric is absent until then). */
async function watermarkTrusted(pipeline: TestPipeline): Promise<void> {
  const partitions = Number(pipeline.config.TOPIC_PARTITIONS);
  await eventually(
    async () => {
      const text = await pipeline.service!.metrics.registry.metrics();
      const lines = text
        .split('\n')
        .filter((line) => line.startsWith('allocations_order_watermark_delay_seconds{stage="sink"'));
      return lines.length === partitions;
    },
    { timeoutMs: ceiling(120_000), intervalMs: 250 },
  );
}

describe('the sink, releasing on the connectors’ watermark', () => {
  it('applies an allocation made now within seconds, and one made earlier but published later before it', async () => {
    const pipeline = await testPipeline(scope, {
      // The sink trusts a watermark once its partition has read for a silent instance's expiry (visibility
      // timeout plus 5 s): short here, so that the test does not wait long for it.
      visibilityTimeoutSeconds: 2,
      env: { ORDER_WINDOW_SECONDS: String(windowSeconds), ORDER_PUBLISH_BOUND_MS: '10000' },
    });
    try {
      await seedPeople(pipeline, ['W000001', 'W000002']);
      await watermarkTrusted(pipeline);

      // Alone: applied as soon as the watermark passes its creation plus the bound, far within the window.
      const started = Date.now();
      const alone = await pipeline.publish(
        syntheticAllocation(pipeline, 'W000001', 'PERSON', 0, new Date(started).toISOString()),
      );
      const outcome = await pipeline.outcomeFor('sink', alone, (windowSeconds * 1000) / 2);
      expect(outcome.status).toBe('applied');

      // Made a second apart, published the other way round, within the bound: applied in the order made.
      const madeAt = Date.now();
      const later = await pipeline.publish(
        syntheticAllocation(pipeline, 'W000002', 'PERSON', 1, new Date(madeAt).toISOString()),
      );
      const earlier = await pipeline.publish(
        syntheticAllocation(pipeline, 'W000002', 'PERSON', 0, new Date(madeAt - 1_000).toISOString()),
      );
      await pipeline.outcomeFor('sink', later, (windowSeconds * 1000) / 2);
      await pipeline.outcomeFor('sink', earlier, (windowSeconds * 1000) / 2);
      const settled = pipeline.observed
        .filter((entry) => entry.stage === 'sink')
        .map((entry) => entry.message.headers['message-id']);
      expect(settled.indexOf(earlier)).toBeLessThan(settled.indexOf(later));
      expect(settled.filter((id) => id === earlier || id === later)).toHaveLength(2);

      // The watermark records went through: every partition of both topics holds some, each a valid word.
      for (const topic of [pipeline.config.DOMAIN_EVENTS_TOPIC, pipeline.config.ALLOCATIONS_TOPIC]) {
        const marks = (await pipeline.readAll(topic)).filter((record) => watermarkHeader in record.headers);
        const partitions = new Set(marks.map((record) => record.partition));
        expect(partitions.size).toBe(Number(pipeline.config.TOPIC_PARTITIONS));
        for (const mark of marks.slice(-5))
          expect(readWatermark(mark.headers).at).toBeGreaterThan(started - 60_000);
      }
    } finally {
      await pipeline.close();
    }
  });
});
