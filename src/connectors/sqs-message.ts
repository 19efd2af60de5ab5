import type { Message } from '@aws-sdk/client-sqs';
import { parseNotification } from '../domain/domain-event.ts';
import { AppError, messageOf } from '../domain/errors.ts';
import type { Handled, Subject } from '../domain/outcome.ts';
import { toDomainEventRecord, type DomainEventRecord } from '../domain/topic-records.ts';
import type { Emit } from '../kafka/stage.ts';
import { traceContextOf } from '../observability/tracing.ts';

/** An SQS message read as a domain event: what the connector publishes, or `record: null` for no detail URL. */
export interface ReceivedEvent {
  /** The SNS message id: it names the allocation in every stage's log lines and headers, from here to Delius. */
  readonly messageId: string;
  readonly eventType: string;
  readonly record: DomainEventRecord | null;
  /** The W3C trace headers Workforce put on the SNS message (its attributes), if any: the trace goes on from them. */
  readonly traceContext: Readonly<Record<string, string>>;
}

function publishedAt(envelopeTimestamp: string | undefined, message: Message): number | null {
  const fromEnvelope = envelopeTimestamp ? Date.parse(envelopeTimestamp) : Number.NaN;
  if (!Number.isNaN(fromEnvelope)) return fromEnvelope;
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) ? sent : null;
}

/**
 * The connector's decoding (rule M1 and the size limit): a body larger than `maxBodyBytes`, not JSON, or not an
 * HMPPS domain event in an SNS envelope is an invalid message, which no retry mends.
 */
export function readSqsMessage(message: Message, maxBodyBytes: number): ReceivedEvent {
  const bodyBytes = Buffer.byteLength(message.Body ?? '');
  if (bodyBytes > maxBodyBytes)
    throw new AppError('invalid-message', `the body is ${bodyBytes} bytes, more than ${maxBodyBytes}`);
  let parsed;
  try {
    parsed = parseNotification(message.Body ?? '');
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? `not JSON: ${error.message}`
        : `not an HMPPS domain event: ${messageOf(error)}`;
    throw new AppError('invalid-message', reason, { cause: error });
  }
  const { envelope, event } = parsed;
  const messageId = envelope.MessageId ?? message.MessageId ?? crypto.randomUUID();
  let record: DomainEventRecord | null = null;
  try {
    if (event.detailUrl)
      record = toDomainEventRecord(event, messageId, publishedAt(envelope.Timestamp, message));
  } catch (error) {
    // JSON.parse takes nesting that JSON.stringify (additionalInformation, on the topic) cannot give back.
    const reason = error instanceof RangeError ? 'nested too deeply to encode' : messageOf(error);
    throw new AppError('invalid-message', `the event cannot be put on the topic: ${reason}`, {
      cause: error,
    });
  }
  const attributes = Object.fromEntries(
    Object.entries(envelope.MessageAttributes ?? {}).map(([name, attribute]) => [name, attribute.Value]),
  );
  return { messageId, eventType: event.eventType, record, traceContext: traceContextOf(attributes) };
}

export const subjectOfEvent = (event: ReceivedEvent): Subject =>
  event.record?.crn ? { crn: event.record.crn } : {};

/**
 * The connector's handler (rule M2): an event with a detail URL becomes a domain-event record keyed by CRN
 * (by message id when it names no person); one without is acknowledged and goes no further.
 */
export function toDomainEvent(
  event: ReceivedEvent,
  topic: string,
): Handled<readonly Emit<DomainEventRecord>[]> {
  const subject = subjectOfEvent(event);
  if (!event.record) return { status: 'ignored', subject, reason: 'no detailUrl', properties: {} };
  return {
    status: 'applied',
    subject,
    result: [
      {
        topic,
        key: event.record.crn ?? event.messageId,
        value: event.record,
        headers: { 'message-id': event.messageId },
      },
    ],
  };
}
