import { AppError } from '../../src/domain/errors.ts';
import {
  isWatermark,
  readWatermark,
  watermarkHeaders,
  WatermarkView,
  type Watermark,
} from '../../src/kafka/watermark.ts';

const word = (
  instance: string,
  at: number,
  emittedAt: number,
  extra: Partial<Watermark> = {},
): Watermark => ({
  instance,
  at,
  emittedAt,
  expiresAt: emittedAt + 5_000,
  ...extra,
});

describe('a watermark record', () => {
  it('is told by its header and read back as it was said', () => {
    const headers = watermarkHeaders(word('c1', 1_000, 1_200, { leaving: true }));
    expect(isWatermark(headers)).toBe(true);
    expect(isWatermark({ 'message-id': 'm1' })).toBe(false);
    expect(readWatermark(headers)).toEqual(word('c1', 1_000, 1_200, { leaving: true }));
  });

  it.each([
    ['not JSON', '{'],
    ['a field missing', JSON.stringify({ instance: 'c1', at: 1, emittedAt: 1 })],
    ['a field it does not know', JSON.stringify({ ...word('c1', 1, 1), extra: 1 })],
    ['a negative time', JSON.stringify(word('c1', -1, 1))],
    ['too long', JSON.stringify(word('c'.repeat(600), 1, 1))],
  ])('is an invalid record when its header is %s', (_, header) => {
    expect(() => readWatermark({ watermark: header })).toThrow(AppError);
    try {
      readWatermark({ watermark: header });
    } catch (error) {
      expect((error as AppError).code).toBe('invalid-message');
    }
  });
});

/** When the words are read: later than any of them was said. */
const readAt = 1_000_000;

describe("a partition's view of the watermarks", () => {
  it('says nothing until its clock has run for the expiry of the first word it read', () => {
    const view = new WatermarkView();
    expect(view.lowest()).toBeUndefined();
    view.saw(word('c1', 900, 1_000), readAt);
    expect(view.heard()).toBe(true);
    view.saw(word('c1', 5_900, 6_000), readAt);
    expect(view.lowest()).toBeUndefined();
    view.saw(word('c1', 5_950, 6_001), readAt);
    expect(view.lowest()).toBe(5_950);
  });

  it('is the lowest of the live instances, each by its latest word', () => {
    const view = new WatermarkView();
    view.saw(word('c1', 0, 0), readAt);
    view.saw(word('c2', 0, 0), readAt);
    view.saw(word('c1', 7_000, 7_100), readAt);
    view.saw(word('c2', 6_500, 7_000), readAt);
    expect(view.lowest()).toBe(6_500);
    // A word said earlier but read later does not take an instance back.
    view.saw(word('c2', 100, 200), readAt);
    expect(view.lowest()).toBe(6_500);
  });

  it('stops counting an instance silent past its expiry, by the stream’s clock and not the reader’s', () => {
    const view = new WatermarkView();
    view.saw(word('c1', 0, 0), readAt);
    view.saw(word('c2', 5_000, 5_000), readAt);
    view.saw(word('c1', 9_000, 9_000), readAt);
    // c2 expires at 10 000 by the stream's clock: only a word said after that shows it.
    expect(view.lowest()).toBe(5_000);
    view.saw(word('c1', 10_001, 10_001), readAt);
    expect(view.lowest()).toBe(10_001);
  });

  it('stops counting an instance that left, and says nothing when none is left', () => {
    const view = new WatermarkView();
    view.saw(word('c1', 0, 0), readAt);
    view.saw(word('c1', 5_001, 5_001), readAt);
    expect(view.lowest()).toBe(5_001);
    view.saw(word('c1', 5_100, 5_100, { leaving: true }), readAt);
    expect(view.lowest()).toBeUndefined();
  });

  it('keeps a bounded number of instances, forgetting the longest silent', () => {
    const view = new WatermarkView();
    view.saw(word('first', 100, 0), readAt);
    view.saw(word('old', 0, 1, { expiresAt: 1_000_000 }), readAt);
    for (let index = 0; index < 1_000; index += 1) view.saw(word(`c${index}`, 6_000, 6_000), readAt);
    // 'old' (watermark 0) is forgotten to make room: the lowest is the others'.
    expect(view.lowest()).toBe(6_000);
  });

  it('ignores a word said further ahead of the reader than a minute, which would expire every instance', () => {
    const view = new WatermarkView();
    view.saw(word('c1', 0, 0), 10_000);
    view.saw(word('c1', 9_000, 9_000), 10_000);
    view.saw(word('forged', 99_999_999, 99_999_999), 10_000);
    expect(view.lowest()).toBe(9_000);
  });
});
