import type { AllocationKind } from '../domain/allocation-detail.ts';
import type { AppError } from '../domain/errors.ts';

/** A record a stage asks the runner to publish before the offset of its input is committed. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Record<string, string>;
}

/**
 * How a stage ended with one message. The runner alone turns it into Kafka actions: publish `produce`, then
 * commit (applied, duplicate, ignored); wait and try again (retry); publish to the dead-letter topic, then
 * commit (dead-letter). Logs, metrics and tests all read the same value.
 */
export type StageOutcome = {
  readonly kind?: AllocationKind;
  readonly crn?: string | null;
  /** Who the allocation is to, for people reading the outcome. */
  readonly staffCode?: string;
  readonly teamCode?: string;
} & (
  | { readonly status: 'applied'; readonly produce?: readonly OutgoingRecord[] }
  | { readonly status: 'duplicate'; readonly produce?: readonly OutgoingRecord[] }
  | {
      readonly status: 'ignored';
      readonly reason: string;
      readonly properties?: Readonly<Record<string, string>>;
    }
  | { readonly status: 'retry'; readonly error: AppError }
  | { readonly status: 'dead-letter'; readonly error: AppError }
);

export type OutcomeStatus = StageOutcome['status'];
