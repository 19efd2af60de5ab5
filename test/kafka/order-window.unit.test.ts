import {
  LatestSettled,
  nextStep,
  placeOf,
  type OrderPolicy,
  type Pending,
} from '../../src/kafka/order-window.ts';

interface Made {
  readonly key: string;
  readonly madeAt: number;
}
const policy: OrderPolicy<Made> = {
  keyOf: (made) => made.key,
  timeOf: (made) => made.madeAt,
  windowMs: 60_000,
};

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * Drives nextStep as the runner does over one partition: records in the order they reached it, the clock
 * moved on to each hold's end. Returns the offsets in the order they were settled.
 */
function settleAll(partition: readonly Pending[], startAt: number): string[] {
  const settled: string[] = [];
  const ahead = new Set<string>();
  let now = startAt;
  for (let index = 0; index < partition.length;) {
    const head = partition[index];
    if (!head) break;
    if (ahead.delete(head.offset)) {
      index += 1;
      continue;
    }
    const step = nextStep(head, partition.slice(index + 1), ahead, now);
    if (step.kind === 'hold') {
      expect(step.untilMs).toBeGreaterThan(now);
      now = step.untilMs;
      continue;
    }
    if (step.kind === 'refetch') throw new Error('every record is in hand here');
    for (const offset of step.ahead) {
      settled.push(offset);
      ahead.add(offset);
    }
    settled.push(head.offset);
    index += 1;
  }
  return settled;
}

describe('the order window', () => {
  const t0 = Date.parse('2026-11-27T10:00:00Z');
  const made = [1, 2, 3, 4].map((n) => ({ key: 'X123456', madeAt: t0 + n * 1_000, name: `round ${n}` }));

  it.each(permutations([0, 1, 2, 3]).map((order) => [order.map((n) => n + 1).join(', '), order] as const))(
    'settles four allocations of one person that reached the topic as rounds %s in the order they were made',
    (_label, order) => {
      // Each reached the topic within the window of being made, in this order.
      const partition: Pending[] = order.map((n, position) => ({
        offset: String(position),
        place: placeOf(policy, made[n]!, t0 + 5_000 + position * 500),
      }));
      const settledRounds = settleAll(partition, t0 + 7_000).map((offset) => order[Number(offset)]! + 1);
      expect(settledRounds).toEqual([1, 2, 3, 4]);
    },
  );

  it('holds a record until the window after it was made has passed', () => {
    const head = { offset: '0', place: placeOf(policy, made[0]!, t0 + 1_500) };
    expect(nextStep(head, [], new Set(), t0 + 30_000)).toEqual({ kind: 'hold', untilMs: t0 + 61_000 });
    expect(nextStep(head, [], new Set(), t0 + 61_000)).toEqual({ kind: 'settle', ahead: [] });
  });

  it('opens the window when the record reached the topic if its date lies in the future', () => {
    const future = { key: 'X123456', madeAt: t0 + 86_400_000 };
    expect(placeOf(policy, future, t0)?.releaseAt).toBe(t0 + 60_000);
  });

  it('lets an old record go at once and still puts the earlier-made ones fetched behind it first', () => {
    const old = (n: number, offset: string): Pending => ({
      offset,
      place: placeOf(policy, { key: 'X123456', madeAt: t0 - 3_600_000 + n }, t0 - 3_600_000 + n),
    });
    expect(nextStep(old(3, '0'), [old(1, '1'), old(2, '2')], new Set(), t0)).toEqual({
      kind: 'settle',
      ahead: ['1', '2'],
    });
  });

  it("never puts another person's records first", () => {
    const head = { offset: '0', place: placeOf(policy, made[3]!, t0) };
    const other = { offset: '1', place: placeOf(policy, { key: 'T123456', madeAt: t0 }, t0) };
    expect(nextStep(head, [other], new Set(), t0 + 120_000)).toEqual({ kind: 'settle', ahead: [] });
  });

  it('does not settle again a record already settled ahead of its turn', () => {
    const head = { offset: '0', place: placeOf(policy, made[3]!, t0) };
    const early = { offset: '1', place: placeOf(policy, made[0]!, t0) };
    expect(nextStep(head, [early], new Set(['1']), t0 + 120_000)).toEqual({ kind: 'settle', ahead: [] });
  });

  it('fetches again before letting a record go when the records in hand were fetched before its window closed', () => {
    const head = { offset: '0', place: placeOf(policy, made[3]!, t0) };
    // Fetched at t0 + 10 s; the window closed at t0 + 64 s: a record made earlier may have arrived in between.
    expect(nextStep(head, [], new Set(), t0 + 70_000, t0 + 10_000)).toEqual({ kind: 'refetch' });
    expect(nextStep(head, [], new Set(), t0 + 70_000, t0 + 65_000)).toEqual({ kind: 'settle', ahead: [] });
  });

  it('settles a record it cannot place (undecodable) as it comes', () => {
    expect(nextStep({ offset: '0' }, [], new Set(), 0)).toEqual({ kind: 'settle', ahead: [] });
    expect(placeOf(policy, { key: 'X123456', madeAt: Number.NaN }, t0)).toBeUndefined();
  });
});

describe('the latest settled record per person', () => {
  const place = (key: string, time: number) => ({ key, time, releaseAt: time });

  it('tells a record that comes after a later-made one of the same person', () => {
    const latest = new LatestSettled();
    expect(latest.settle(place('X123456', 2))).toBe(false);
    expect(latest.settle(place('T123456', 1))).toBe(false);
    expect(latest.settle(place('X123456', 1))).toBe(true);
    expect(latest.settle(place('X123456', 3))).toBe(false);
  });

  it('forgets the person least recently settled once it holds its capacity', () => {
    const latest = new LatestSettled(2);
    latest.settle(place('A000001', 5));
    latest.settle(place('A000002', 5));
    latest.settle(place('A000003', 5));
    expect(latest.settle(place('A000001', 1))).toBe(false);
    expect(latest.settle(place('A000003', 1))).toBe(true);
  });
});
