/**
 * Watermarks: how the sink learns that no earlier allocation can still be on its way, so that it can release
 * each one as soon as that is so instead of holding every allocation for the whole order window.
 *
 * Each connector instance says, several times a second while it has work, the time before which every SQS
 * message it received has reached Kafka (source-watermark.ts). It says so on every partition of the domain-event
 * topic, after the records it published there; the processor, which settles each partition in order, passes
 * the word on to the same partition of the allocation topic after the records it made from them. So a watermark
 * record on an allocation partition vouches for every record before it on that partition.
 *
 * A watermark record is a control record: no key, no value, one header (`watermark`) holding this JSON. It
 * describes the stream, not an allocation, so it has no Avro schema and never reaches a handler.
 */
import { z } from 'zod';
import { AppError } from '../domain/errors.ts';

export const watermarkHeader = 'watermark';

/** Logged once a partition's view first trusts a watermark (after each assignment): releases no longer wait. */
export const watermarkVouches = 'the connectors’ watermark now vouches for this partition';

/** The longest header a watermark is read from: a few numbers and an instance id. */
const maxWatermarkChars = 512;

const epochMs = z.number().int().nonnegative().max(8_640_000_000_000_000);

export const watermarkSchema = z
  .object({
    /** The connector instance (one per process start). */
    instance: z.string().min(1).max(64),
    /** Every SQS message this instance received that SQS took in before this (ms) has reached Kafka. */
    at: epochMs,
    /** When the instance said so, by its clock: the stream's own clock, which expiry is judged by. */
    emittedAt: epochMs,
    /**
     * With no later word by then, the instance is gone and every message it held is back on the queue and in
     * another instance's hands: its watermark no longer counts.
     */
    expiresAt: epochMs,
    /** A stop with nothing held or owed: the instance counts no more. */
    leaving: z.boolean().optional(),
  })
  .strict();

export type Watermark = z.infer<typeof watermarkSchema>;

export function watermarkHeaders(mark: Watermark): Record<string, string> {
  return { [watermarkHeader]: JSON.stringify(mark) };
}

export function isWatermark(headers: Readonly<Record<string, string>>): boolean {
  return Object.hasOwn(headers, watermarkHeader);
}

/** A watermark record's word; a header that is not one is an invalid record, dead-lettered as any other. */
export function readWatermark(headers: Readonly<Record<string, string>>): Watermark {
  const text = headers[watermarkHeader] ?? '';
  if (text.length > maxWatermarkChars)
    throw new AppError(
      'invalid-message',
      `the watermark header is longer than ${maxWatermarkChars} characters`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid-message', 'the watermark header is not JSON', { cause: error });
  }
  const parsed = watermarkSchema.safeParse(json);
  if (!parsed.success)
    throw new AppError(
      'invalid-message',
      `the watermark header is not a watermark: ${parsed.error.message}`,
      {
        cause: parsed.error,
      },
    );
  return parsed.data;
}

/** The most instances one partition's view keeps: a flood of forged ones cannot grow it without bound. */
const maxInstances = 1_000;

/**
 * A word said further ahead of the reader's clock than this is ignored: the stream's clock would jump with it and
 * expire every instance (a connector's clock far off, or a record no connector wrote).
 */
export const maxAheadMs = 60_000;

/**
 * What one partition's watermark records say, read in offset order: the lowest watermark of the connector
 * instances that still count. Expiry is judged by the stream's clock (the latest `emittedAt` read), never the
 * reader's: a reader behind (a lagging processor, a backlog) must not expire an instance whose later word it
 * has simply not read yet.
 *
 * A view begins knowing no instance. One it has never heard from may have gone quiet just before, holding
 * messages, so the view says nothing until its clock has run for the longest expiry it has read: by then any
 * such instance has expired.
 */
export class WatermarkView {
  private readonly instances = new Map<string, Watermark>();
  private clock = Number.NEGATIVE_INFINITY;
  private trustedFrom: number | undefined;

  /** A word read, at `now` by the reader's clock. */
  saw(mark: Watermark, now: number): void {
    if (mark.emittedAt > now + maxAheadMs) return;
    this.trustedFrom ??= mark.expiresAt;
    this.clock = Math.max(this.clock, mark.emittedAt);
    const known = this.instances.get(mark.instance);
    if (known && known.emittedAt > mark.emittedAt) return;
    this.instances.delete(mark.instance);
    this.instances.set(mark.instance, mark);
    if (this.instances.size > maxInstances) {
      const oldest = this.instances.keys().next().value;
      if (oldest !== undefined) this.instances.delete(oldest);
    }
  }

  /** Whether any instance has spoken: the view is worth looking at again soon. */
  heard(): boolean {
    return this.instances.size > 0;
  }

  /** The lowest live watermark, or undefined: none heard, none live, or not yet long enough to trust it. */
  lowest(): number | undefined {
    if (this.trustedFrom === undefined || this.clock <= this.trustedFrom) return undefined;
    let lowest = Number.POSITIVE_INFINITY;
    for (const [instance, mark] of this.instances) {
      if (mark.expiresAt < this.clock) {
        this.instances.delete(instance);
        continue;
      }
      if (!mark.leaving) lowest = Math.min(lowest, mark.at);
    }
    return Number.isFinite(lowest) ? lowest : undefined;
  }
}
