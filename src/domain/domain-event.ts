import { z } from 'zod';

/**
 * The SQS body: an SNS notification envelope (rules §2.1). Only `Message` is required; the cut-down envelope
 * of the examples (MessageId, Message, MessageAttributes) is accepted, and unknown fields are ignored.
 */
export const snsEnvelopeSchema = z.object({
  Message: z.string(),
  /** SNS's is a UUID; it becomes a header, and a partition key when there is no CRN: bounded. */
  MessageId: z.string().min(1).max(128).optional(),
  Timestamp: z.string().max(64).optional(),
  MessageAttributes: z
    .record(z.string(), z.object({ Type: z.string(), Value: z.string() }).partial())
    .nullish(),
});
export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;

/**
 * A CRN as Delius writes it: one capital letter and six digits (`X123456`). Checked at the edge, so that
 * nothing longer reaches a partition key (hashing a key costs time in its length) or a Delius query.
 */
export const crnSchema = z.string().regex(/^[A-Z][0-9]{6}$/, 'a CRN is a capital letter and six digits');

/** The HMPPS domain event inside `Message` (rules §2.2). */
export const domainEventSchema = z
  .object({
    eventType: z.string().min(1).max(128),
    /** Avro's int on the topic: a version beyond 32 bits could never be published. */
    version: z.number().int().min(0).max(2_147_483_647),
    detailUrl: z.string().max(2_048).nullish(),
    occurredAt: z.string().max(64).nullish(),
    description: z.string().max(1_024).nullish(),
    additionalInformation: z.record(z.string(), z.unknown()).nullish(),
    personReference: z
      .object({
        identifiers: z
          .array(z.object({ type: z.string().max(64), value: z.string().max(256) }))
          .max(32)
          .nullish(),
      })
      .nullish(),
  })
  .superRefine((event, context) => {
    const crn = crnOf(event);
    if (crn !== undefined && !crnSchema.safeParse(crn).success)
      context.addIssue({
        code: 'custom',
        path: ['personReference'],
        message: `not a CRN: ${crn.slice(0, 20)}`,
      });
  });
export type HmppsDomainEvent = z.infer<typeof domainEventSchema>;

/** The CRN: the value of the first identifier whose type is exactly `CRN`. */
export function crnOf(event: Pick<HmppsDomainEvent, 'personReference'>): string | undefined {
  return event.personReference?.identifiers?.find((identifier) => identifier.type === 'CRN')?.value;
}

/** M1: a body that is not JSON, not an envelope, or whose Message is not a domain event, throws. */
export function parseNotification(body: string): { envelope: SnsEnvelope; event: HmppsDomainEvent } {
  const envelope = snsEnvelopeSchema.parse(JSON.parse(body));
  const event = domainEventSchema.parse(JSON.parse(envelope.Message));
  return { envelope, event };
}
