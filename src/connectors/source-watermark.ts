/**
 * One connector instance's low watermark: the time before which every message SQS took in has reached Kafka,
 * as far as this instance can tell (src/kafka/watermark.ts says how the sink uses it). Pure: the connector
 * reports its receives and what became of each message, with the clock.
 *
 * What it can tell:
 * - A long poll that returns fewer messages than it asked for took every message then visible; one that stays
 *   open past `lateMs` shows that none was visible when it began, and that none became visible since, up to
 *   `lateMs` ago (a message that appears is answered at once). `lateMs` is the time SQS may take to show a
 *   message it has taken in, and the answer to reach us: its late deliveries within that are seen.
 * - A message received and not yet on Kafka holds the watermark at the time SQS took it in (`SentTimestamp`).
 * - A message put back (left to SQS to deliver again) holds it until it is visible again and, by then, in
 *   another receive's hands: the queue's visibility timeout plus a margin.
 * - Messages in other instances' hands are theirs to say: the sink takes the lowest of every live instance.
 */
export interface SourceWatermarkOptions {
  readonly lateMs: number;
  /**
   * How long a message put back counts: the queue's visibility timeout (it is invisible that long) plus a margin
   * for the receive that takes it back to say so. The same span the sink counts a silent instance's last word.
   */
  readonly expiryMs: number;
}

export class SourceWatermark {
  /** Every message visible before this has been received (undefined until a receive has shown it). */
  private frontier: number | undefined;
  private receivingSince: number | undefined;
  private takenAt = Number.NEGATIVE_INFINITY;
  private readonly held = new Map<string, number>();
  private readonly owed: { readonly sentAt: number; readonly until: number }[] = [];
  private readonly options: SourceWatermarkOptions;

  constructor(options: SourceWatermarkOptions) {
    this.options = options;
  }

  /** A receive is sent. */
  receiving(now: number): void {
    this.receivingSince = now;
  }

  /** A receive answered: its messages (id → when SQS took each in), and whether it was as full as asked. */
  received(messages: ReadonlyMap<string, number>, full: boolean, now: number): void {
    this.receivingSince = undefined;
    if (messages.size > 0) this.takenAt = now;
    for (const [id, sentAt] of messages) this.held.set(id, sentAt);
    if (!full) this.advance(now - this.options.lateMs);
  }

  /** A receive failed: nothing is learnt. */
  failed(): void {
    this.receivingSince = undefined;
  }

  /** A message is on Kafka (or needs nothing there: ignored, invalid). */
  done(id: string): void {
    this.held.delete(id);
  }

  /** A message is left to SQS to deliver again: it counts until it is back in some receive's hands. */
  putBack(id: string, now: number): void {
    const sentAt = this.held.get(id);
    this.held.delete(id);
    if (sentAt === undefined) return;
    this.owed.push({ sentAt, until: now + this.options.expiryMs });
  }

  /** When a receive last brought messages: the instance has work, and its word is awaited. */
  lastTakenAt(): number {
    return this.takenAt;
  }

  /** Whether anything received is still in hand or owed. */
  holding(now: number): boolean {
    this.expire(now);
    return this.held.size > 0 || this.owed.length > 0;
  }

  /** The watermark now; undefined until a receive has shown where the queue stands. */
  current(now: number): number | undefined {
    this.expire(now);
    const since = this.receivingSince;
    if (since !== undefined && now - since >= this.options.lateMs) this.advance(now - this.options.lateMs);
    if (this.frontier === undefined) return undefined;
    let lowest = this.frontier;
    for (const sentAt of this.held.values()) lowest = Math.min(lowest, sentAt);
    for (const { sentAt } of this.owed) lowest = Math.min(lowest, sentAt);
    return lowest;
  }

  private advance(to: number): void {
    this.frontier = Math.max(this.frontier ?? to, to);
  }

  private expire(now: number): void {
    for (let index = this.owed.length - 1; index >= 0; index -= 1)
      if ((this.owed[index]?.until ?? 0) <= now) this.owed.splice(index, 1);
  }
}
