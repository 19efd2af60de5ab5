import { SourceWatermark } from '../../src/connectors/source-watermark.ts';

const options = { lateMs: 150, expiryMs: 35_000 };
const sent = (...entries: [string, number][]) => new Map(entries);

describe("a connector instance's watermark", () => {
  it('is unknown until a receive shows where the queue stands', () => {
    const watermark = new SourceWatermark(options);
    expect(watermark.current(1_000)).toBeUndefined();
    watermark.receiving(1_000);
    expect(watermark.current(1_100)).toBeUndefined();
    watermark.received(sent(), false, 1_100);
    expect(watermark.current(1_100)).toBe(950);
  });

  it('follows the clock, less the late delivery, while a long poll stays open with nothing to answer', () => {
    const watermark = new SourceWatermark(options);
    watermark.receiving(1_000);
    // Not before the poll has been open for the late delivery: it may be answering at once.
    expect(watermark.current(1_100)).toBeUndefined();
    expect(watermark.current(1_150)).toBe(1_000);
    expect(watermark.current(20_000)).toBe(19_850);
  });

  it('does not move on an answer as full as asked: more may be visible', () => {
    const watermark = new SourceWatermark(options);
    watermark.receiving(0);
    watermark.received(sent(), false, 1_000);
    watermark.receiving(2_000);
    watermark.received(sent(['m1', 1_900]), true, 2_010);
    watermark.done('m1');
    expect(watermark.current(2_020)).toBe(850);
  });

  it('is held at the earliest message in hand until it is on Kafka', () => {
    const watermark = new SourceWatermark(options);
    watermark.receiving(0);
    watermark.received(sent(['m1', 500], ['m2', 700]), false, 1_000);
    expect(watermark.holding(1_000)).toBe(true);
    expect(watermark.lastTakenAt()).toBe(1_000);
    expect(watermark.current(1_000)).toBe(500);
    watermark.done('m1');
    expect(watermark.current(1_000)).toBe(700);
    watermark.done('m2');
    expect(watermark.current(1_000)).toBe(850);
    expect(watermark.holding(1_000)).toBe(false);
  });

  it('is held by a message put back on the queue until it is visible again and taken, then lets it go', () => {
    const watermark = new SourceWatermark(options);
    watermark.receiving(0);
    watermark.received(sent(['m1', 500]), false, 1_000);
    watermark.putBack('m1', 2_000);
    watermark.receiving(2_000);
    expect(watermark.current(10_000)).toBe(500);
    expect(watermark.holding(36_999)).toBe(true);
    expect(watermark.current(37_000)).toBe(36_850);
    // Put back twice (a batch's last word, after its own outcome) counts once.
    watermark.putBack('m1', 38_000);
    expect(watermark.holding(38_000)).toBe(false);
  });

  it('learns nothing from a failed receive', () => {
    const watermark = new SourceWatermark(options);
    watermark.receiving(0);
    watermark.received(sent(), false, 1_000);
    watermark.receiving(2_000);
    watermark.failed();
    expect(watermark.current(60_000)).toBe(850);
  });
});
