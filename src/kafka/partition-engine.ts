/**
 * What a stage does next with one partition's fetched records: which record to settle, when to hold, when to
 * give the partition back, and what may be committed. No I/O and no timers: the clock is passed in, the driver
 * (stage-runner.ts) fetches, decodes, settles, pauses and commits as told. Every decision of ordering and
 * commit cadence lives here, so that it is tested here, record by record.
 *
 * A record is decoded once, by the driver, when it is first fetched; the engine carries it (and its place in
 * the order) until it is committed, across the batches that fetch it again.
 */
import type { StageOutcome } from './stage.ts';
import { LatestSettled, nextStep, placeOf, type OrderPlace, type OrderPolicy } from './order-window.ts';
import { WatermarkView, type Watermark } from './watermark.ts';

/** A fetched record with its decoding: the value, or why it could not be decoded (the settling says so again). */
export type Decoded<In> =
  { readonly ok: true; readonly value: In } | { readonly ok: false; readonly error: unknown };

export interface FetchedRecord<M, In> {
  readonly offset: string;
  /** When it reached the topic, in ms since the epoch. */
  readonly timestamp: number;
  readonly message: M;
  readonly decoded: Decoded<In>;
  /** A watermark record's word (watermark.ts): read by the engine, never handled as an allocation. */
  readonly mark?: Watermark | undefined;
}

/** A record in hand: what it was fetched as, and its place in the order (none when unordered or undecodable). */
export interface HeldRecord<M, In> extends FetchedRecord<M, In> {
  readonly place: OrderPlace | undefined;
}

/** Commit the partition up to and including this offset (the driver commits offset + 1). */
export interface CommitStep {
  readonly kind: 'commit';
  readonly offset: string;
}

export type EngineStep<M, In> =
  /** Settle this record, then report its status with `settled`. `early`: ahead of its turn (the order window). */
  | { readonly kind: 'settle'; readonly record: HeldRecord<M, In>; readonly early: boolean }
  | CommitStep
  /** Wait this long (heartbeating), then give the partition back: the next fetch brings what arrived meanwhile. */
  | { readonly kind: 'hold'; readonly waitMs: number }
  /** Give the partition back: the batch is done, or it must be fetched again from its first unsettled record. */
  | { readonly kind: 'return' };

export interface EngineOptions<In> {
  /** Settle each key's records in the order they were made, within a window. */
  readonly order?: OrderPolicy<In> | undefined;
  /** The longest a settled record waits for its offset's commit while its batch goes on. */
  readonly commitIntervalMs: number;
  /** A held head is looked at again at least this often, with what has reached the partition since. */
  readonly holdSliceMs: number;
  /** Records whose windows close within this of the head's are let go with it: one fetch, not one each. */
  readonly holdLingerMs: number;
  /** A head waiting for the watermark is looked at again this often, with the watermarks read since. */
  readonly watermarkSliceMs: number;
}

export const engineDefaults = {
  commitIntervalMs: 1_000,
  holdSliceMs: 1_000,
  holdLingerMs: 250,
  watermarkSliceMs: 50,
} as const satisfies Partial<EngineOptions<unknown>>;

/** One partition's records in hand, from its committed offset on. */
export class PartitionEngine<M, In> {
  private readonly held = new Map<string, HeldRecord<M, In>>();
  /** Settled before their turn, because a record ahead of them was made later: committed when reached. */
  private readonly early = new Set<string>();
  private batch: readonly string[] = [];
  private cursor = 0;
  /** Records of the current turn: those settled early, then the head. */
  private turn: string[] = [];
  private settledUpTo: string | undefined;
  private mustCommit = false;
  private committedAt: number;
  /**
   * When the partition was last given back: the next batch is fetched after that, so it holds every record that
   * had reached the topic by then.
   */
  private returnedAt = 0;
  /** When a record of the partition was last settled, or it was first fetched. */
  private progressAt: number;
  /** The connectors' watermarks read on this partition, and the offset of the last watermark record read. */
  private readonly marks = new WatermarkView();
  private marksUpTo: bigint | undefined;
  /** When the head now held was made, while the order holds it. */
  private holdingSince: number | undefined;

  private readonly options: EngineOptions<In>;
  private readonly latest: LatestSettled;

  constructor(options: EngineOptions<In>, latest: LatestSettled, now: number) {
    this.options = options;
    this.latest = latest;
    this.committedAt = now;
    this.progressAt = now;
  }

  /** Which of a batch's offsets are not in hand yet, and so need decoding. */
  unknown(offsets: readonly string[]): string[] {
    return offsets.filter((offset) => !this.held.has(offset));
  }

  /**
   * A batch fetched from the partition, in offset order. Records in hand keep their decoding; those before the
   * batch's first were committed and are forgotten.
   */
  begin(records: readonly FetchedRecord<M, In>[], now: number): void {
    // A partition with nothing left to settle starts its progress clock with what arrives now; one fetched
    // again while it waits keeps its clock running.
    const idle = this.oldestUnsettledAt() === undefined;
    const first = records[0] ? BigInt(records[0].offset) : undefined;
    if (first !== undefined) {
      for (const offset of this.held.keys()) if (BigInt(offset) < first) this.held.delete(offset);
      for (const offset of this.early) if (BigInt(offset) < first) this.early.delete(offset);
    }
    for (const record of records) {
      if (this.held.has(record.offset)) continue;
      if (record.mark) {
        this.marks.saw(record.mark, now);
        this.marksUpTo = BigInt(record.offset);
      }
      const { order } = this.options;
      const placed =
        order && record.decoded.ok ? placeOf(order, record.decoded.value, record.timestamp) : undefined;
      // A producer's clock (the Kafka timestamp) can be ahead as well as the creation date: no record holds its
      // partition longer than the window from when it was first fetched.
      const place =
        order && placed ? { ...placed, releaseAt: Math.min(placed.releaseAt, now + order.windowMs) } : placed;
      this.held.set(record.offset, { ...record, place });
    }
    this.batch = records.map((record) => record.offset);
    this.cursor = 0;
    this.turn = [];
    this.settledUpTo = undefined;
    this.committedAt = now;
    if (idle) this.progressAt = now;
  }

  /**
   * The lowest live watermark that vouches for this batch: read from a watermark record the batch reaches, so
   * that every record before that one is in hand. Undefined when none does.
   */
  watermark(): number | undefined {
    const last = this.batch.at(-1);
    if (this.marksUpTo === undefined || last === undefined || BigInt(last) < this.marksUpTo) return undefined;
    return this.marks.lowest();
  }

  /**
   * Whether a watermark record needs no passing on: a later word of the same instance follows it in the batch
   * with nothing but watermark records between, so that word says all it says, and later.
   */
  superseded(offset: string): boolean {
    const instance = this.held.get(offset)?.mark?.instance;
    if (instance === undefined) return false;
    for (let index = this.batch.indexOf(offset) + 1; index < this.batch.length; index += 1) {
      const mark = this.held.get(this.batch[index] ?? '')?.mark;
      if (!mark) return false;
      if (mark.instance === instance) return true;
    }
    return false;
  }

  /** How long the order has held the head, since it was made (0 when it holds none). */
  heldFor(now: number): number {
    return this.holdingSince === undefined ? 0 : Math.max(0, now - this.holdingSince);
  }

  /**
   * How long the partition has made no progress while records wait in it that nothing holds by design: 0 when
   * every record in hand is settled, or its first unsettled one is held by the order window until its turn.
   * (A dependency's outage is the driver's to know.)
   */
  stalledFor(now: number): number {
    const oldest = this.oldestUnsettledAt();
    if (oldest === undefined) return 0;
    const head = this.held.get(this.batch[this.cursor] ?? '');
    if (head?.place && head.place.releaseAt > now) return 0;
    return Math.max(0, now - this.progressAt);
  }

  /** What to do next, now. */
  next(now: number): EngineStep<M, In> {
    if (this.mustCommit) return this.commit(now) ?? this.next(now);
    const due = this.commitDue(now);
    if (due) return due;
    const queued = this.turn[0];
    if (queued !== undefined) return this.settleStep(queued);
    for (;;) {
      const offset = this.batch[this.cursor];
      if (offset === undefined) return { kind: 'return' };
      if (!this.early.delete(offset)) break;
      // Settled early, in an earlier turn: done now that its turn is reached.
      this.cursor += 1;
      this.settledUpTo = offset;
      const dueNow = this.commitDue(now);
      if (dueNow) return dueNow;
    }
    const head = this.record(this.batch[this.cursor]);
    const { order } = this.options;
    if (!order || !head.place) {
      this.turn = [head.offset];
      return this.settleStep(head.offset);
    }
    const behind = this.batch.slice(this.cursor + 1).map((offset) => {
      const record = this.record(offset);
      return { offset, place: record.place };
    });
    // Released by the watermark: every record made before it is in hand (up to the watermark record), so it is
    // settled now, after those of its person made earlier, with no need to fetch again.
    const lowest = order.watermark ? this.watermark() : undefined;
    const released =
      order.watermark !== undefined &&
      lowest !== undefined &&
      head.place.time + order.watermark.boundMs <= lowest;
    const step = released
      ? nextStep(head, behind, this.early, Number.POSITIVE_INFINITY)
      : nextStep(head, behind, this.early, now, this.returnedAt);
    // Not committed: the next fetch starts at this record again, with whatever has arrived behind it.
    if (step.kind === 'refetch') return { kind: 'return' };
    if (step.kind === 'hold') {
      const { holdLingerMs, holdSliceMs, watermarkSliceMs } = this.options;
      // Awaiting a watermark that is being said: looked at again soon, with the watermark records read since.
      const slice = order.watermark && this.marks.heard() ? watermarkSliceMs : holdSliceMs;
      this.holdingSince = head.place.time;
      return {
        kind: 'hold',
        waitMs: Math.max(0, Math.min(step.untilMs + holdLingerMs, now + slice) - now),
      };
    }
    this.holdingSince = undefined;
    this.turn = [...step.ahead, head.offset];
    return this.settleStep(this.turn[0] ?? head.offset);
  }

  /**
   * A record's final status. A dead letter is committed at once: a stage killed before the commit would publish
   * it again, and unlike an allocation's effects a dead letter is not deduplicated. Returns true when a record
   * of its key made later had already been settled (it came later than the order window could mend).
   */
  settled(offset: string, status: StageOutcome['status'], now: number): { readonly outOfOrder: boolean } {
    if (this.turn[0] !== offset) throw new Error(`offset ${offset} was not the one to settle`);
    this.turn.shift();
    this.progressAt = now;
    const record = this.record(offset);
    if (this.turn.length > 0) this.early.add(offset);
    else {
      this.cursor += 1;
      this.settledUpTo = offset;
      if (status === 'dead-letter') this.mustCommit = true;
    }
    return { outOfOrder: record.place ? this.latest.settle(record.place) : false };
  }

  /**
   * When the oldest record in hand that is not settled reached its topic (ms since the epoch); undefined when
   * every fetched record is settled. A partition whose oldest record keeps ageing past every wait is stuck.
   */
  oldestUnsettledAt(): number | undefined {
    for (let index = this.cursor; index < this.batch.length; index += 1) {
      const offset = this.batch[index];
      if (offset !== undefined && !this.early.has(offset)) return this.held.get(offset)?.timestamp;
    }
    return undefined;
  }

  /** A commit owed by the cadence (for a driver that heartbeats through a long settle). */
  commitDue(now: number): CommitStep | undefined {
    if (now - this.committedAt < this.options.commitIntervalMs) return undefined;
    return this.commit(now);
  }

  /** The partition is given back: what is settled and not yet committed, to commit now. */
  end(now: number): CommitStep | undefined {
    this.returnedAt = now;
    return this.commit(now);
  }

  private commit(now: number): CommitStep | undefined {
    this.mustCommit = false;
    const offset = this.settledUpTo;
    if (offset === undefined) return undefined;
    this.settledUpTo = undefined;
    this.committedAt = now;
    return { kind: 'commit', offset };
  }

  private settleStep(offset: string): EngineStep<M, In> {
    return { kind: 'settle', record: this.record(offset), early: offset !== this.batch[this.cursor] };
  }

  private record(offset: string | undefined): HeldRecord<M, In> {
    const record = offset === undefined ? undefined : this.held.get(offset);
    if (!record) throw new Error(`offset ${String(offset)} is not in hand`);
    return record;
  }
}

/** Every partition a stage's process is given, and what it knows across them. */
export class StageEngine<M, In> {
  private readonly partitions = new Map<number, PartitionEngine<M, In>>();
  /** Per key (a person lives on one partition, but the bound is the stage's). */
  private readonly latest = new LatestSettled();

  private readonly options: EngineOptions<In>;

  constructor(options: EngineOptions<In>) {
    this.options = options;
  }

  partition(partition: number, now: number): PartitionEngine<M, In> {
    let engine = this.partitions.get(partition);
    if (!engine)
      this.partitions.set(partition, (engine = new PartitionEngine(this.options, this.latest, now)));
    return engine;
  }

  /** Partitions may have moved: what was in hand is read again from the committed offsets. */
  reset(): void {
    this.partitions.clear();
  }

  /** The longest any partition in hand has made no progress that nothing explains (partition engine's stalledFor). */
  longestStall(now: number): number {
    let longest = 0;
    for (const engine of this.partitions.values()) longest = Math.max(longest, engine.stalledFor(now));
    return longest;
  }

  /** Each partition in hand: how long the order has held its head, and how far its watermark is behind now. */
  *order(now: number): Iterable<{ partition: number; heldMs: number; watermarkDelayMs: number | undefined }> {
    for (const [partition, engine] of this.partitions) {
      const lowest = engine.watermark();
      yield {
        partition,
        heldMs: engine.heldFor(now),
        watermarkDelayMs: lowest === undefined ? undefined : Math.max(0, now - lowest),
      };
    }
  }

  /** Each partition in hand and how long its oldest unsettled record has waited (0 when all are settled). */
  *unsettled(now: number): Iterable<{ partition: number; ageMs: number }> {
    for (const [partition, engine] of this.partitions) {
      const oldest = engine.oldestUnsettledAt();
      yield { partition, ageMs: oldest === undefined ? 0 : now - oldest };
    }
  }
}
