import type { AllocationKind } from './allocation-detail.ts';
import type { AppError } from './errors.ts';

/** An IAPS flag set by an allocation (rules §12): the pipeline emits one IAPS event per flag. */
export interface IapsFlag {
  readonly table: 'IAPS_OFFENDER' | 'IAPS_EVENT' | 'IAPS_RQMNT';
  readonly id: number;
}

export interface ContactWritten {
  readonly type: string;
  readonly id: number;
}

/** What an applied allocation changed in Delius. */
export interface AppliedChanges {
  readonly managerId: number;
  /** The manager whose period was cut at `createdDate` (rule C7). */
  readonly previousManagerId: number;
  readonly responsibleOfficerId?: number;
  readonly previousResponsibleOfficerId?: number;
  readonly contacts: readonly ContactWritten[];
  readonly iaps: readonly IapsFlag[];
}

interface Subject {
  readonly kind: AllocationKind;
  /** The person the allocation is for (PERSON: the detail's CRN, rule S2; otherwise the message's). */
  readonly crn: string | undefined;
  readonly personId?: number;
}

/**
 * How one allocation ended. The runner decides from it alone what to do with the message:
 * applied, duplicate and ignored are acknowledged; a failure is retried when `error.retryable`,
 * otherwise dead-lettered with `error.code` and `error.message` as the reason.
 */
export type AllocationOutcome = Subject &
  (
    | { readonly status: 'applied'; readonly changes: AppliedChanges }
    /** `iaps`: the flags the allocation implies, already set; re-emitted, so IAPS events are at-least-once. */
    | { readonly status: 'duplicate'; readonly iaps: readonly IapsFlag[] }
    | {
        readonly status: 'ignored';
        readonly reason: string;
        readonly properties: Readonly<Record<string, string>>;
      }
    | { readonly status: 'failed'; readonly error: AppError }
  );
