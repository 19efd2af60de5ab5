import { SourceWatermark } from '../../src/connectors/source-watermark.ts';
import { startWatermarkEmitter } from '../../src/connectors/watermark-emitter.ts';
import type { Mark, Publisher } from '../../src/kafka/publisher.ts';
import { readWatermark } from '../../src/kafka/watermark.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { eventually } from '../support/eventually.ts';

const options = {
  topic: 'domain-events',
  partitions: 3,
  instance: 'c1',
  activeIntervalMs: 10,
  idleIntervalMs: 60_000,
  activeForMs: 60_000,
  expiryMs: 35_000,
};

function publisherThat(fail: () => boolean) {
  const requests: Mark[][] = [];
  const publisher: Publisher = {
    publish: () => Promise.resolve(),
    publishMarks(marks) {
      if (fail()) return Promise.reject(new Error('broker down'));
      requests.push([...marks]);
      return Promise.resolve();
    },
  };
  return { publisher, requests };
}

/** An instance that has received one message, sent at 1 000 and still in hand. */
function holdingOne(): SourceWatermark {
  const watermark = new SourceWatermark({ lateMs: 0, expiryMs: 35_000 });
  watermark.receiving(Date.now());
  watermark.received(new Map([['m1', 1_000]]), false, Date.now());
  return watermark;
}

/** The emitter over a fake publisher (`fail` decides each request): what it published, and its metrics. */
function emitting(watermark: SourceWatermark, fail = () => false, overrides: Partial<typeof options> = {}) {
  const { publisher, requests } = publisherThat(fail);
  const metrics = createMetrics();
  const emitter = startWatermarkEmitter(
    { ...options, ...overrides },
    { watermark, publisher, logger: createLogger({ level: 'silent' }), metrics },
  );
  return { emitter, requests, metrics };
}

describe("a connector instance's watermark, said on the topic", () => {
  it('is said on every partition in one request, often while the instance has had messages, and leaving at the end', async () => {
    const watermark = holdingOne();
    watermark.done('m1');
    // A long poll open with nothing to answer: the watermark follows the clock.
    watermark.receiving(Date.now());
    const { emitter, requests, metrics } = emitting(watermark);
    await eventually(() => requests.length >= 3);
    await emitter.stop();
    for (const request of requests) expect(request.map((mark) => mark.partition)).toEqual([0, 1, 2]);
    const words = requests.map((request) => readWatermark(request[0]?.headers ?? {}));
    expect(words.every((word) => word.instance === 'c1' && word.expiresAt === word.emittedAt + 35_000)).toBe(
      true,
    );
    expect(words.at(-1)?.leaving).toBe(true);
    expect(words.slice(0, -1).some((word) => word.leaving)).toBe(false);
    expect(await metrics.registry.metrics()).toMatch(/allocations_connector_watermark_seconds \d+/);
  });

  it('is not said leaving while it holds a message', async () => {
    const { emitter, requests } = emitting(holdingOne());
    await eventually(() => requests.length >= 1);
    await emitter.stop();
    const last = readWatermark(requests.at(-1)?.[0]?.headers ?? {});
    expect(last.at).toBe(1_000);
    expect(last.leaving).toBeUndefined();
  });

  it('goes on saying it after Kafka refused it', async () => {
    let refusals = 0;
    const { emitter, requests } = emitting(holdingOne(), () => (refusals += 1) <= 3);
    await eventually(() => requests.length >= 1);
    await emitter.stop();
    expect(refusals).toBeGreaterThan(3);
  });

  it('says nothing new no more often than the idle interval', async () => {
    // Held: the watermark stays at this message's time, so the active cadence has nothing new to say.
    const { emitter, requests } = emitting(holdingOne(), () => false, { idleIntervalMs: 200 });
    await eventually(() => requests.length >= 3);
    await emitter.stop();
    const said = requests.map((request) => readWatermark(request[0]?.headers ?? {}).emittedAt);
    const gaps = said.slice(1, -1).map((at, index) => at - (said[index] ?? 0));
    // 10 ms cadence, but a word only each 200 ms (the last is the stop's).
    expect(gaps.every((gap) => gap >= 200)).toBe(true);
  });
});
