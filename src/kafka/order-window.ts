/**
 * Putting a partition's messages back into the order of the events they describe, within a window.
 *
 * Records of one key (one person) can reach a topic out of the order they were made in: SQS may deliver out of
 * order, and a failed publish or a killed connector puts a message back on the queue while later ones go on. A
 * stage with an order policy holds each record until `windowMs` after it was made (or after it reached the
 * topic, if that was earlier), and when it lets one go it first settles every record of the same key that is
 * held behind it and was made earlier. So records that reach the topic within the window of being made are
 * settled in the order they were made; a record later than that is settled when it comes, as before. With the
 * connectors' watermark (`watermark`), a record is let go sooner: as soon as the watermark shows that nothing
 * made before it can still arrive (partition-engine.ts decides it; watermark.ts says what a watermark is).
 *
 * Nothing is held anywhere but in the topic: the runner does not commit past a held record, so a restart or a
 * rebalance reads it again. Pure functions here; the runner (stage-runner.ts) fetches, settles and commits.
 */

/** How a stage orders its input: whose records keep an order, and when each was made. */
export interface OrderPolicy<In> {
  readonly keyOf: (input: In) => string;
  /** When the record's event happened, in ms since the epoch (NaN when it cannot be told). */
  readonly timeOf: (input: In) => number;
  readonly windowMs: number;
  /**
   * Release on the connectors' watermark (watermark.ts): a record is let go as soon as the lowest live
   * watermark has passed when it was made plus `boundMs`, the longest Workforce takes to publish an allocation
   * it made. The window stays the bound for what no watermark sees.
   */
  readonly watermark?: { readonly boundMs: number } | undefined;
}

/** A record's place in the order: its key, when it was made, and when the window lets it go. */
export interface OrderPlace {
  readonly key: string;
  readonly time: number;
  readonly releaseAt: number;
}

/** A record as the planner sees it; no place when it could not be decoded (it is settled as it comes). */
export interface Pending {
  readonly offset: string;
  readonly place?: OrderPlace | undefined;
}

export type NextStep =
  /** Settle `ahead` (records from later in the partition, made earlier, in that order), then the head. */
  | { readonly kind: 'settle'; readonly ahead: readonly string[] }
  /** Nothing to do before `untilMs`: the head's window is still open. */
  | { readonly kind: 'hold'; readonly untilMs: number }
  /**
   * The head's window has closed, but the records in hand were fetched before it did: fetch again, so that the
   * records that reached the topic while the window was still open are all there to be put first.
   */
  | { readonly kind: 'refetch' };

/**
 * Where a record stands. Its window opens when it was made, or when it reached the topic if that was earlier
 * (a date in the future must not hold a record for longer than the window).
 */
export function placeOf<In>(
  policy: OrderPolicy<In>,
  input: In,
  reachedTopicAt: number,
): OrderPlace | undefined {
  const time = policy.timeOf(input);
  if (!Number.isFinite(time)) return undefined;
  const opened = Number.isFinite(reachedTopicAt) ? Math.min(time, reachedTopicAt) : time;
  return { key: policy.keyOf(input), time, releaseAt: opened + policy.windowMs };
}

/**
 * What to do about the head of a partition, given the records fetched behind it, those already settled ahead of
 * their turn (skipped here: they are done), and `fetchedAfter`: the records in hand include every record that
 * reached the topic before that moment. (A batch can be old by the time its head's window closes: the records
 * before it took long to settle, through a database outage say.)
 */
export function nextStep(
  head: Pending,
  behind: readonly Pending[],
  settledAhead: ReadonlySet<string>,
  now: number,
  fetchedAfter: number = Number.POSITIVE_INFINITY,
): NextStep {
  const place = head.place;
  if (!place) return { kind: 'settle', ahead: [] };
  if (now < place.releaseAt) return { kind: 'hold', untilMs: place.releaseAt };
  if (fetchedAfter < place.releaseAt) return { kind: 'refetch' };
  const earlier = behind.filter(
    (record): record is Pending & { place: OrderPlace } =>
      record.place !== undefined &&
      record.place.key === place.key &&
      record.place.time < place.time &&
      !settledAhead.has(record.offset),
  );
  // Stable: records made at the same moment keep their order in the partition.
  const ordered = [...earlier].sort((a, b) => a.place.time - b.place.time);
  return { kind: 'settle', ahead: ordered.map((record) => record.offset) };
}

/**
 * The latest event time settled per key, to tell a record that comes after a later one of its key (later than
 * the window could mend). Bounded: the oldest keys are forgotten first.
 */
export class LatestSettled {
  private readonly times = new Map<string, number>();
  private readonly capacity: number;
  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  /** Records a settled record; true when a record of its key made later had already been settled. */
  settle(place: OrderPlace): boolean {
    const latest = this.times.get(place.key);
    const late = latest !== undefined && place.time < latest;
    this.times.delete(place.key);
    this.times.set(place.key, Math.max(latest ?? place.time, place.time));
    if (this.times.size > this.capacity) {
      const oldest = this.times.keys().next().value;
      if (oldest !== undefined) this.times.delete(oldest);
    }
    return late;
  }
}
