// End-to-end latency on the idle local stack: from the SNS publish to the sink's Delius commit, one allocation
// at a time. `npm run bench:latency [-- --count 20]`. Starts the local stack if it is not running. The allocations
// were made long ago, so the sink's order window lets them go at once: this is the pipeline's own latency, to
// which a fresh allocation adds ORDER_WINDOW_SECONDS (README, "Order per person").
import { parseArgs } from 'node:util';
import { stackUp } from '../infra/stack.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../src/observability/known-warnings.ts';
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
  const latencies: number[] = [];
  for (const [index, crn] of crns.entries()) {
    const event = syntheticAllocation(pipeline, crn, 'PERSON', 0);
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
    `${latencies.length} allocations, one at a time: median ${median.toFixed(1)} ms, p90 ${at(0.9)} ms, min ${latencies[0]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`,
  );
} finally {
  await pipeline.close();
  await scope.close();
}
