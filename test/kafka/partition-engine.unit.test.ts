import {
  engineDefaults,
  StageEngine,
  type EngineOptions,
  type FetchedRecord,
} from '../../src/kafka/partition-engine.ts';
import type { OrderPolicy } from '../../src/kafka/order-window.ts';
import type { StageOutcome } from '../../src/kafka/stage.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Watermark } from '../../src/kafka/watermark.ts';

/** A record's event: whose it is and when it was made; none when its bytes cannot be decoded. */
interface Made {
  readonly key: string;
  readonly madeAt: number;
}

/** A record of the partition's log: when it reached the topic, and what it decodes to. */
interface Logged {
  readonly arrivedAt: number;
  /** The record's Kafka timestamp, when its producer set one other than its arrival. */
  readonly timestamp?: number;
  readonly made?: Made;
  /** A connector's watermark record, instead of an allocation. */
  readonly mark?: Watermark;
}

const windowMs = 60_000;
const order: OrderPolicy<Made> = { keyOf: (made) => made.key, timeOf: (made) => made.madeAt, windowMs };

interface Run {
  /** Offsets in the order they were settled (a record settled twice, after a crash, appears twice). */
  readonly settled: number[];
  /** Next offsets committed, in order. */
  readonly commits: number[];
  readonly outOfOrder: number[];
  /** Records decoded: once each, unless a crash forgot them. */
  readonly decoded: number;
  readonly holds: number[];
  readonly batches: number;
  /** When each offset was first settled, on the simulated clock. */
  readonly settledAt: Map<number, number>;
}

interface Simulation {
  readonly options?: Partial<EngineOptions<Made>>;
  readonly start?: number;
  /** How long settling one record takes, on the simulated clock. */
  readonly settleMs?: number;
  readonly statusOf?: (offset: number) => StageOutcome['status'];
  /** The most records one fetch returns. */
  readonly maxBatch?: number;
  /** Crashes (the engine is lost; what was committed stays) after this many settles. */
  readonly crashAfter?: number;
}

/** A logged record as the driver hands it to the engine: decoded when it was made, or not Avro. */
const fetchedRecord = (logged: Logged, offset: number): FetchedRecord<Logged, Made> => ({
  offset: String(offset),
  timestamp: logged.timestamp ?? logged.arrivedAt,
  message: logged,
  decoded: logged.made ? { ok: true, value: logged.made } : { ok: false, error: new Error('not Avro') },
  mark: logged.mark,
});

/**
 * The driver's loop as stage-runner.ts runs it, over one partition and a simulated clock: fetch what has
 * reached the partition from the committed offset, decode what the engine does not hold, and carry out each
 * step. A hold moves the clock to its end; a crash loses the engine and restarts from the committed offset.
 */
function simulate(log: readonly Logged[], simulation: Simulation = {}): Run {
  const options: EngineOptions<Made> = { ...engineDefaults, ...simulation.options };
  let now = simulation.start ?? 0;
  let engine = new StageEngine<Logged, Made>(options);
  let committed = 0;
  let crashAfter = simulation.crashAfter;
  const run = {
    settled: [] as number[],
    commits: [] as number[],
    outOfOrder: [] as number[],
    decoded: 0,
    holds: [] as number[],
    batches: 0,
    settledAt: new Map<number, number>(),
  };
  for (let guard = 0; committed < log.length; guard += 1) {
    if (guard > 10_000) throw new Error('the engine never finished the partition');
    const partition = engine.partition(0, now);
    const fetched = log
      .map((logged, offset) => ({ logged, offset }))
      .filter(({ logged, offset }) => offset >= committed && logged.arrivedAt <= now)
      .slice(0, simulation.maxBatch ?? Infinity);
    if (fetched.length === 0) {
      now = Math.min(...log.slice(committed).map((logged) => logged.arrivedAt));
      continue;
    }
    run.batches += 1;
    const unknown = new Set(partition.unknown(fetched.map(({ offset }) => String(offset))));
    run.decoded += unknown.size;
    const records = fetched.map(({ logged, offset }) => fetchedRecord(logged, offset));
    partition.begin(records, now);
    let crashed = false;
    for (;;) {
      const step = partition.next(now);
      if (step.kind === 'return') break;
      if (step.kind === 'commit') {
        committed = Number(step.offset) + 1;
        run.commits.push(committed);
      } else if (step.kind === 'hold') {
        run.holds.push(step.waitMs);
        now += step.waitMs;
        break;
      } else {
        const offset = Number(step.record.offset);
        run.settled.push(offset);
        if (!run.settledAt.has(offset)) run.settledAt.set(offset, now);
        now += simulation.settleMs ?? 10;
        if (crashAfter !== undefined && (crashAfter -= 1) < 0) {
          crashed = true;
          break;
        }
        const { outOfOrder } = partition.settled(
          step.record.offset,
          simulation.statusOf?.(offset) ?? 'applied',
          now,
        );
        if (outOfOrder) run.outOfOrder.push(offset);
      }
    }
    if (crashed) {
      engine = new StageEngine<Logged, Made>(options);
      crashAfter = undefined;
      continue;
    }
    const last = partition.end(now);
    if (last) {
      committed = Number(last.offset) + 1;
      run.commits.push(committed);
    }
  }
  return run;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Records in the given order of arrival, one second apart, each made at its `madeAt` and arriving after. */
const arriving = (made: readonly Made[], startAt = 100_000): Logged[] =>
  made.map((record, index) => ({ arrivedAt: startAt + index * 1_000, made: record }));

const firstSettlements = (run: Run) => [...new Set(run.settled)];

describe('the partition engine, without order', () => {
  const log = Array.from({ length: 20 }, (_, index) => ({
    arrivedAt: 0,
    made: { key: `P${index % 3}`, madeAt: 0 },
  }));

  it('settles every record once, in offset order, and commits once per batch rather than per record', () => {
    const run = simulate(log);
    expect(run.settled).toEqual(log.map((_, offset) => offset));
    expect(run.commits).toEqual([20]);
    expect(run.holds).toEqual([]);
  });

  it('commits a dead letter at once, so that a crash after it does not publish it again', () => {
    const run = simulate(log, { statusOf: (offset) => (offset === 4 ? 'dead-letter' : 'applied') });
    expect(run.commits).toEqual([5, 20]);
  });

  it('commits a long batch at least every commit interval while it goes on', () => {
    const run = simulate(log, { settleMs: 300, options: { commitIntervalMs: 1_000 } });
    // 300 ms a record: a commit is owed after the fourth, and every fourth after that.
    expect(run.commits).toEqual([4, 8, 12, 16, 20]);
  });

  it('decodes each record once, however many fetches bring it', () => {
    const run = simulate(log, { maxBatch: 7 });
    expect(run.decoded).toBe(20);
    expect(run.batches).toBe(3);
  });

  it.each(Array.from({ length: 20 }, (_, crashAfter) => [crashAfter]))(
    'after a crash at settle %i, goes on from the committed offset: nothing lost, what was not committed is settled again',
    (crashAfter) => {
      const run = simulate(log, { crashAfter, settleMs: 300 });
      expect(firstSettlements(run).sort((a, b) => a - b)).toEqual(log.map((_, offset) => offset));
      // Only what had not been committed is settled again: at most a commit interval's worth.
      expect(run.settled.length - log.length).toBeLessThanOrEqual(4);
      expect(run.commits.at(-1)).toBe(20);
    },
  );
});

describe('the partition engine, with an order window', () => {
  const options = { order };

  it('holds a record until its window closes, looking again at least every hold slice', () => {
    const run = simulate([{ arrivedAt: 0, made: { key: 'A', madeAt: 0 } }], { options });
    expect(run.settled).toEqual([0]);
    // Every hold ends by the slice, the last one lingers past the window's end.
    expect(run.holds.every((waitMs) => waitMs <= engineDefaults.holdSliceMs)).toBe(true);
    expect(run.holds.reduce((sum, waitMs) => sum + waitMs, 0)).toBeGreaterThanOrEqual(windowMs);
    expect(run.holds.reduce((sum, waitMs) => sum + waitMs, 0)).toBeLessThanOrEqual(
      windowMs + engineDefaults.holdLingerMs,
    );
  });

  it.each(permutations([0, 1, 2, 3]).map((arrival) => [arrival.join(' ')]))(
    "settles one person's records in the order they were made, whatever order (%s) they reached the partition in",
    (arrival) => {
      const made = arrival.split(' ').map((index) => ({ key: 'A', madeAt: 90_000 + Number(index) * 100 }));
      const log = arriving(made);
      const run = simulate(log, { options, start: 100_000 });
      const settledMadeAt = run.settled.map((offset) => log[offset]?.made?.madeAt);
      expect(settledMadeAt).toEqual([...settledMadeAt].sort((a, b) => (a ?? 0) - (b ?? 0)));
      expect(run.settled).toHaveLength(4);
      expect(run.outOfOrder).toEqual([]);
      expect(run.commits.at(-1)).toBe(4);
    },
  );

  it("keeps each person's records apart: another person's later record is not put first", () => {
    const log = arriving([
      { key: 'A', madeAt: 99_000 },
      { key: 'B', madeAt: 90_000 },
      { key: 'A', madeAt: 95_000 },
    ]);
    const run = simulate(log, { options, start: 100_000 });
    expect(run.settled).toEqual([2, 0, 1]);
  });

  it('never commits past a record settled ahead of its turn before its turn comes', () => {
    const log = arriving([
      { key: 'A', madeAt: 99_000 },
      { key: 'B', madeAt: 99_500 },
      { key: 'A', madeAt: 95_000 },
    ]);
    // Each settle takes longer than the commit interval: a commit is owed after every one.
    const run = simulate(log, { options, start: 100_000, settleMs: 1_500 });
    // Offset 2 is settled first (made earliest), but committed only when offsets 0 and 1 are.
    expect(run.settled).toEqual([2, 0, 1]);
    expect(run.commits).toEqual([1, 2, 3]);
  });

  it('settles a record later than the window when it comes, and says it came out of order', () => {
    const log: Logged[] = [
      { arrivedAt: 100_000, made: { key: 'A', madeAt: 100_000 } },
      { arrivedAt: 300_000, made: { key: 'A', madeAt: 90_000 } },
    ];
    const run = simulate(log, { options, start: 100_000 });
    expect(run.settled).toEqual([0, 1]);
    expect(run.outOfOrder).toEqual([1]);
  });

  it("fetches again when the head's window closed after its batch was fetched, so that what arrived in its window is put first", () => {
    // Settling offset 0 takes 70 s: offset 1's window closes meanwhile, and offset 2, made before it, arrived
    // after the batch holding it was fetched.
    const log: Logged[] = [
      { arrivedAt: 100_000, made: { key: 'B', madeAt: 40_000 } },
      { arrivedAt: 100_000, made: { key: 'A', madeAt: 100_000 } },
      { arrivedAt: 130_000, made: { key: 'A', madeAt: 99_000 } },
    ];
    const run = simulate(log, { options, start: 100_000, settleMs: 70_000 });
    expect(run.settled).toEqual([0, 2, 1]);
    expect(run.outOfOrder).toEqual([]);
  });

  it('settles an undecodable record as it comes, without holding it or the records behind it', () => {
    const log: Logged[] = [{ arrivedAt: 100_000 }, { arrivedAt: 100_000 }];
    const run = simulate(log, { options, start: 100_000 });
    expect(run.settled).toEqual([0, 1]);
    expect(run.holds).toEqual([]);
  });

  it('lets a date in the future hold a record for no longer than the window from its arrival', () => {
    const log: Logged[] = [{ arrivedAt: 100_000, made: { key: 'A', madeAt: 100_000 + 3_600_000 } }];
    const run = simulate(log, { options, start: 100_000 });
    expect(run.holds.reduce((sum, waitMs) => sum + waitMs, 0)).toBeLessThanOrEqual(
      windowMs + engineDefaults.holdLingerMs,
    );
  });

  it('holds a record whose Kafka timestamp and creation are both in the future no longer than the window from when it was fetched', () => {
    const hourAhead = 100_000 + 3_600_000;
    const log: Logged[] = [
      { arrivedAt: 100_000, timestamp: hourAhead, made: { key: 'A', madeAt: hourAhead } },
      { arrivedAt: 100_000, made: { key: 'B', madeAt: 100_000 } },
    ];
    const run = simulate(log, { options, start: 100_000 });
    expect(run.settled).toEqual([0, 1]);
    expect(run.holds.reduce((sum, waitMs) => sum + waitMs, 0)).toBeLessThanOrEqual(
      windowMs + engineDefaults.holdLingerMs,
    );
  });

  it('decodes each held record once, however many times it is fetched while held', () => {
    const log = arriving([
      { key: 'A', madeAt: 100_000 },
      { key: 'B', madeAt: 100_500 },
    ]);
    const run = simulate(log, { options, start: 100_000 });
    expect(run.batches).toBeGreaterThan(10);
    expect(run.decoded).toBe(2);
  });

  it.each(Array.from({ length: 6 }, (_, crashAfter) => [crashAfter]))(
    'after a crash at settle %i, loses nothing and keeps the order of what is settled again',
    (crashAfter) => {
      const log = arriving([
        { key: 'A', madeAt: 99_300 },
        { key: 'A', madeAt: 99_100 },
        { key: 'B', madeAt: 99_000 },
        { key: 'A', madeAt: 99_200 },
        { key: 'B', madeAt: 98_000 },
        { key: 'A', madeAt: 99_000 },
      ]);
      const run = simulate(log, { options, start: 100_000, crashAfter });
      expect(firstSettlements(run).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
      // After the restart, person A's records are settled in the order they were made.
      const restart = run.settled.slice(crashAfter + 1).filter((offset) => log[offset]?.made?.key === 'A');
      const madeAt = restart.map((offset) => log[offset]?.made?.madeAt ?? 0);
      expect(madeAt).toEqual([...madeAt].sort((a, b) => a - b));
      expect(run.commits.at(-1)).toBe(6);
    },
  );

  it('forgets what it held when the partitions move, and reads it again from the committed offset', () => {
    const engine = new StageEngine<string, Made>({ ...engineDefaults, order });
    const first = engine.partition(0, 0);
    first.begin(
      [{ offset: '0', timestamp: 0, message: 'a', decoded: { ok: true, value: { key: 'A', madeAt: 0 } } }],
      0,
    );
    expect(first.unknown(['0'])).toEqual([]);
    engine.reset();
    expect(engine.partition(0, 0).unknown(['0'])).toEqual(['0']);
  });
});

/** A fetched record of partition 0, decoded to `made`, or undecodable without it. */
const record = (offset: number, timestamp: number, made?: Made): FetchedRecord<string, Made> => ({
  offset: String(offset),
  timestamp,
  message: `m-${offset}`,
  decoded: made ? { ok: true, value: made } : { ok: false, error: new Error('not Avro') },
});

describe('the age of the oldest unsettled record', () => {
  it('is the age of the first record not yet settled, and 0 once every record in hand is', () => {
    const engine = new StageEngine<string, Made>({ ...engineDefaults });
    const partition = engine.partition(0, 10_000);
    partition.begin([record(0, 1_000), record(1, 2_000)], 10_000);
    expect([...engine.unsettled(10_000)]).toEqual([{ partition: 0, ageMs: 9_000 }]);
    const first = partition.next(10_000);
    if (first.kind !== 'settle') throw new Error(`expected a settle, got ${first.kind}`);
    partition.settled(first.record.offset, 'applied', 10_000);
    expect([...engine.unsettled(10_000)]).toEqual([{ partition: 0, ageMs: 8_000 }]);
    const second = partition.next(10_000);
    if (second.kind !== 'settle') throw new Error(`expected a settle, got ${second.kind}`);
    partition.settled(second.record.offset, 'applied', 10_000);
    expect([...engine.unsettled(10_000)]).toEqual([{ partition: 0, ageMs: 0 }]);
  });

  it('counts a held head, and not the records settled ahead of it', () => {
    const engine = new StageEngine<string, Made>({ ...engineDefaults, order });
    const partition = engine.partition(0, 100_000);
    partition.begin(
      [record(0, 100_000, { key: 'A', madeAt: 99_000 }), record(1, 100_500, { key: 'A', madeAt: 90_000 })],
      100_000,
    );
    expect(partition.next(100_000).kind).toBe('hold');
    expect([...engine.unsettled(130_000)]).toEqual([{ partition: 0, ageMs: 30_000 }]);
    // Given back after the hold, and fetched again once the window has closed.
    partition.end(200_000);
    partition.begin(
      [record(0, 100_000, { key: 'A', madeAt: 99_000 }), record(1, 100_500, { key: 'A', madeAt: 90_000 })],
      200_000,
    );
    const early = partition.next(200_000);
    if (early.kind !== 'settle') throw new Error(`expected a settle, got ${early.kind}`);
    expect(early).toMatchObject({ early: true, record: { offset: '1' } });
    partition.settled('1', 'applied', 200_000);
    expect([...engine.unsettled(200_000)]).toEqual([{ partition: 0, ageMs: 100_000 }]);
  });

  it('is a metric read when scraped, by stage and partition', async () => {
    const metrics = createMetrics();
    const stop = metrics.reportUnsettled(() => [{ stage: 'sink', partition: 2, ageMs: 42_000 }]);
    expect(await metrics.registry.metrics()).toContain(
      'allocations_oldest_unsettled_seconds{stage="sink",partition="2"} 42',
    );
    stop();
    expect(await metrics.registry.metrics()).not.toContain('allocations_oldest_unsettled_seconds{');
  });
});

describe('a partition that makes no progress', () => {
  it('stalls from its last settle while a record waits, fetched again or not, and not once all are settled', () => {
    const engine = new StageEngine<string, Made>({ ...engineDefaults });
    const partition = engine.partition(0, 0);
    partition.begin([record(0, 0), record(1, 0)], 1_000);
    const first = partition.next(1_000);
    if (first.kind !== 'settle') throw new Error(`expected a settle, got ${first.kind}`);
    partition.settled(first.record.offset, 'applied', 1_000);
    // The second does not settle (a retry, say): given back and fetched again, its clock keeps running.
    expect(partition.next(1_500).kind).toBe('settle');
    partition.end(3_000);
    partition.begin([record(1, 0)], 400_000);
    expect(engine.longestStall(400_000)).toBe(399_000);
    const second = partition.next(400_000);
    if (second.kind !== 'settle') throw new Error(`expected a settle, got ${second.kind}`);
    partition.settled(second.record.offset, 'applied', 400_000);
    expect(engine.longestStall(900_000)).toBe(0);
    // New records start the clock when they arrive, not at the last settle long before.
    partition.begin([record(2, 900_000)], 900_000);
    expect(engine.longestStall(901_000)).toBe(1_000);
  });

  it('does not stall while its head is held by the order window', () => {
    const engine = new StageEngine<string, Made>({ ...engineDefaults, order });
    const partition = engine.partition(0, 100_000);
    partition.begin([record(0, 100_000, { key: 'A', madeAt: 99_000 })], 100_000);
    expect(partition.next(100_000).kind).toBe('hold');
    expect(engine.longestStall(150_000)).toBe(0);
    // Past its window, a head that still does not settle stalls.
    expect(engine.longestStall(400_000)).toBe(300_000);
  });
});

describe('the partition engine, releasing on the connectors’ watermark', () => {
  const boundMs = 150;
  const expiryMs = 5_000;
  const options = { order: { ...order, watermark: { boundMs } } };
  /** A connector's word, said at `at` (its clock) with the watermark `at - behindMs`. */
  const mark = (at: number, instance = 'c1', behindMs = 200, extra: Partial<Watermark> = {}): Logged => ({
    arrivedAt: at,
    mark: { instance, at: at - behindMs, emittedAt: at, expiresAt: at + expiryMs, ...extra },
  });
  /** Watermark records from `from` to `to`, every 100 ms. */
  const marks = (from: number, to: number, instance = 'c1', behindMs = 200): Logged[] =>
    Array.from({ length: Math.floor((to - from) / 100) + 1 }, (_, index) =>
      mark(from + index * 100, instance, behindMs),
    );
  const inArrivalOrder = (log: Logged[]) => [...log].sort((a, b) => a.arrivedAt - b.arrivedAt);
  const allocation = (arrivedAt: number, key: string, madeAt: number): Logged => ({
    arrivedAt,
    made: { key, madeAt },
  });

  it('applies an allocation as soon as a trusted watermark passes when it was made plus the bound', () => {
    // The view trusts the watermark once its clock has run for an expiry from the first word it read.
    const log = inArrivalOrder([...marks(0, 20_000), allocation(10_010, 'A', 10_000)]);
    const offset = log.findIndex((logged) => logged.made);
    const run = simulate(log, { options, settleMs: 1 });
    const settledAt = run.settledAt.get(offset) ?? Number.NaN;
    // Released by the first word at or past 10 000 + 150 (said at 10 350, 200 ms behind), read within a slice.
    expect(settledAt).toBeGreaterThanOrEqual(10_350);
    expect(settledAt).toBeLessThanOrEqual(10_350 + engineDefaults.watermarkSliceMs + 10);
  });

  it('holds for the whole window when no connector says its watermark', () => {
    const run = simulate([allocation(10_010, 'A', 10_000)], { options });
    expect(run.settledAt.get(0)).toBeGreaterThanOrEqual(10_000 + windowMs);
  });

  it('does not trust a watermark until its view has read for an expiry: an instance it never heard may hold one', () => {
    const log = inArrivalOrder([...marks(0, 20_000), allocation(1_010, 'A', 1_000)]);
    const offset = log.findIndex((logged) => logged.made);
    const run = simulate(log, { options, settleMs: 1 });
    // The first word was said at 0: trusted from 5 000, when the watermark (4 800) is long past 1 150.
    expect(run.settledAt.get(offset)).toBeGreaterThanOrEqual(expiryMs);
    expect(run.settledAt.get(offset)).toBeLessThan(expiryMs + 200);
  });

  it('waits for the lowest live instance, and goes on without one that has gone silent past its expiry', () => {
    // c2 says its watermark is stuck at 9 800 (it holds a message) until it goes silent at 10 000.
    const stuck = Array.from({ length: 101 }, (_, index) => ({
      arrivedAt: index * 100,
      mark: {
        instance: 'c2',
        at: Math.min(index * 100, 9_800),
        emittedAt: index * 100,
        expiresAt: index * 100 + expiryMs,
      },
    }));
    const log = inArrivalOrder([...marks(0, 30_000), ...stuck, allocation(10_010, 'A', 10_000)]);
    const offset = log.findIndex((logged) => logged.made);
    const run = simulate(log, { options, settleMs: 1 });
    // Released once c2's last word (said at 10 000) expires, at 15 000 by the stream's clock.
    expect(run.settledAt.get(offset)).toBeGreaterThanOrEqual(15_000);
    expect(run.settledAt.get(offset)).toBeLessThan(15_000 + 200);
  });

  it('does not count an instance that left with nothing in hand', () => {
    const log = inArrivalOrder([
      ...marks(0, 20_000),
      ...marks(0, 6_000, 'c2', 5_000),
      mark(6_000, 'c2', 5_000, { leaving: true }),
      allocation(10_010, 'A', 10_000),
    ]);
    const offset = log.findIndex((logged) => logged.made);
    const run = simulate(log, { options, settleMs: 1 });
    expect(run.settledAt.get(offset)).toBeLessThan(10_500);
  });

  it.each(permutations([0, 1, 2]).map((arrival) => [arrival]))(
    'applies a person’s allocations that reached the topic in the order %j in the order they were made',
    (arrival) => {
      // Three allocations made 50 ms apart reach the topic in any order within 300 ms, with words all along.
      const made = arrival.map((index, position) =>
        allocation(10_100 + position * 100, 'A', 10_000 + index * 50),
      );
      const log = inArrivalOrder([...marks(0, 20_000), ...made]);
      const run = simulate(log, { options, settleMs: 1 });
      const order = run.settled
        .map((offset) => log[offset]?.made?.madeAt)
        .filter((madeAt): madeAt is number => madeAt !== undefined);
      expect(order).toEqual([10_000, 10_050, 10_100]);
      expect(run.outOfOrder).toEqual([]);
      // Long before the window would have let them go.
      const allocations = log.flatMap((logged, offset) => (logged.made ? [offset] : []));
      expect(Math.max(...allocations.map((offset) => run.settledAt.get(offset) ?? Infinity))).toBeLessThan(
        11_000,
      );
    },
  );

  it('does not release on a word beyond the batch in hand: the records before it may not all be there', () => {
    const log = inArrivalOrder([...marks(0, 20_000), allocation(10_010, 'A', 10_000)]);
    const offset = log.findIndex((logged) => logged.made);
    // One record a fetch: the word that would release it is never in the same batch as the held head.
    const run = simulate(log, { options, settleMs: 1, maxBatch: 1 });
    expect(run.settledAt.get(offset)).toBeGreaterThanOrEqual(10_000 + windowMs);
  });

  it('reports how long it has held its head and how far its watermark is behind', () => {
    const engine = new StageEngine<Logged, Made>({ ...engineDefaults, ...options });
    const partition = engine.partition(0, 0);
    const log = [...marks(0, 6_000), allocation(6_000, 'A', 5_990)];
    partition.begin(
      log.map((logged, offset) => fetchedRecord(logged, offset)),
      6_000,
    );
    for (let step = partition.next(6_000); step.kind === 'settle'; step = partition.next(6_000))
      partition.settled(step.record.offset, 'ignored', 6_000);
    expect([...engine.order(6_100)]).toEqual([{ partition: 0, heldMs: 110, watermarkDelayMs: 300 }]);
  });
});

describe('watermark records passed on', () => {
  const word = (instance: string, at: number): Logged => ({
    arrivedAt: at,
    mark: { instance, at, emittedAt: at, expiresAt: at + 5_000 },
  });
  it('need not pass on a word followed by a later one of its instance with only words between', () => {
    const engine = new StageEngine<Logged, Made>({ ...engineDefaults });
    const partition = engine.partition(0, 0);
    const log: Logged[] = [
      word('c1', 1),
      word('c2', 1),
      word('c1', 2),
      { arrivedAt: 3, made: { key: 'A', madeAt: 0 } },
      word('c1', 4),
      word('c2', 4),
    ];
    partition.begin(
      log.map((logged, offset) => fetchedRecord(logged, offset)),
      10,
    );
    expect(log.map((_, offset) => partition.superseded(String(offset)))).toEqual([
      true, // c1's next word follows with only c2's between
      false, // an allocation comes before c2's next word
      false, // an allocation comes next
      false, // not a word
      false, // the last of c1's
      false, // the last of c2's
    ]);
  });
});
