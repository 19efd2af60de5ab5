// End-to-end latency on the idle local stack: from the SNS publish to the sink's Delius commit, one allocation
// at a time, each made at the moment it is published (as Workforce's are), with the service's ordering: what a
// practitioner waits (README, "Order per person"). `npm run bench:latency [-- --count 20]`. Starts the local
// stack if it is not running; waits first for the sink to trust the connectors' watermark on every partition.
import { parseArgs } from 'node:util';
import { stackUp } from '../infra/stack.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../src/observability/known-warnings.ts';
import { eventually } from '../test/support/eventually.ts';
import { testScope } from '../test/support/isolation.ts';
import { testPipeline } from '../test/support/pipeline.ts';
import { seedPeople, syntheticAllocation } from '../test/support/synthetic-allocations.ts';

silenceKafkajsNegativeTimeoutWarning();
const { values } = parseArgs({
  options: { count: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' } },
});
const count = Number(values.count);
const warmup = Number(values.warmup);

await stackUp();
const scope = testScope('bench-latency');
const pipeline = await testPipeline(scope);
try {
  const crns = Array.from({ length: count + warmup }, (_, index) => `L${String(index).padStart(6, '0')}`);
  await seedPeople(pipeline, crns);
  const trustedAt = performance.now();
  await eventually(
    async () =>
      (await pipeline.service!.metrics.registry.metrics())
        .split('\n')
        .filter((line) => line.startsWith('allocations_order_watermark_delay_seconds{stage="sink"'))
        .length === Number(pipeline.config.TOPIC_PARTITIONS),
    { timeoutMs: 300_000, intervalMs: 250 },
  );
  console.log(
    `the sink trusts the watermark on every partition after ${((performance.now() - trustedAt) / 1000).toFixed(1)} s`,
  );
  const latencies: number[] = [];
  for (const [index, crn] of crns.entries()) {
    const event = syntheticAllocation(pipeline, crn, 'PERSON', 0, new Date().toISOString());
    const started = performance.now();
    const messageId = await pipeline.publish(event);
    const outcome = await pipeline.outcomeFor('sink', messageId);
    const elapsed = performance.now() - started;
    if (outcome.status !== 'applied') throw new Error(`allocation ${crn} was not applied`);
    if (index >= warmup) latencies.push(elapsed);
    else console.log(`warm-up ${index + 1}: ${elapsed.toFixed(1)} ms`);
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]?.toFixed(1);
  const median =
    (latencies[Math.floor((latencies.length - 1) / 2)]! + latencies[Math.ceil((latencies.length - 1) / 2)]!) /
    2;
  console.log(
    `node ${process.version}; SNS publish → SQS → connector → Kafka → processor (Workload API) → Kafka → sink → Delius (PostgreSQL)`,
  );
  console.log(
    `${latencies.length} allocations made now, one at a time, ordering on (watermark): median ${median.toFixed(1)} ms, p90 ${at(0.9)} ms, min ${latencies[0]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`,
  );
} finally {
  await pipeline.close();
  await scope.close();
}
