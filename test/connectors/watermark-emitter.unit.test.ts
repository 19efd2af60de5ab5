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

describe("a connector instance's watermark, said on the topic", () => {
  it('is said on every partition in one request, often while the instance has had messages, and leaving at the end', async () => {
    const watermark = new SourceWatermark({ lateMs: 0, visibilityMs: 30_000, marginMs: 5_000 });
    watermark.receiving(Date.now());
    watermark.received(new Map([['m1', 1_000]]), false, Date.now());
    watermark.done('m1');
    // A long poll open with nothing to answer: the watermark follows the clock.
    watermark.receiving(Date.now());
    const { publisher, requests } = publisherThat(() => false);
    const metrics = createMetrics();
    const emitter = startWatermarkEmitter(options, {
      watermark,
      publisher,
      logger: createLogger({ level: 'silent' }),
      metrics,
    });
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
    const watermark = new SourceWatermark({ lateMs: 0, visibilityMs: 30_000, marginMs: 5_000 });
    watermark.receiving(Date.now());
    watermark.received(new Map([['m1', 1_000]]), false, Date.now());
    const { publisher, requests } = publisherThat(() => false);
    const emitter = startWatermarkEmitter(options, {
      watermark,
      publisher,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
    });
    await eventually(() => requests.length >= 1);
    await emitter.stop();
    const last = readWatermark(requests.at(-1)?.[0]?.headers ?? {});
    expect(last.at).toBe(1_000);
    expect(last.leaving).toBeUndefined();
  });

  it('goes on saying it after Kafka refused it', async () => {
    const watermark = new SourceWatermark({ lateMs: 0, visibilityMs: 30_000, marginMs: 5_000 });
    watermark.receiving(Date.now());
    watermark.received(new Map([['m1', 1_000]]), false, Date.now());
    let refusals = 0;
    const { publisher, requests } = publisherThat(() => (refusals += 1) <= 3);
    const emitter = startWatermarkEmitter(options, {
      watermark,
      publisher,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
    });
    await eventually(() => requests.length >= 1);
    await emitter.stop();
    expect(refusals).toBeGreaterThan(3);
  });

  it('says nothing new no more often than the idle interval', async () => {
    const watermark = new SourceWatermark({ lateMs: 0, visibilityMs: 30_000, marginMs: 5_000 });
    watermark.receiving(Date.now());
    // Held: the watermark stays at this message's time, so the active cadence has nothing new to say.
    watermark.received(new Map([['m1', 1_000]]), false, Date.now());
    const { publisher, requests } = publisherThat(() => false);
    const emitter = startWatermarkEmitter(
      { ...options, idleIntervalMs: 200 },
      { watermark, publisher, logger: createLogger({ level: 'silent' }), metrics: createMetrics() },
    );
    await eventually(() => requests.length >= 3);
    await emitter.stop();
    const said = requests.map((request) => readWatermark(request[0]?.headers ?? {}).emittedAt);
    const gaps = said.slice(1, -1).map((at, index) => at - (said[index] ?? 0));
    // 10 ms cadence, but a word only each 200 ms (the last is the stop's).
    expect(gaps.every((gap) => gap >= 200)).toBe(true);
  });
});
