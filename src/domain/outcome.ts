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

/**
 * What the Delius module reports of an allocation it applied or found already applied: what changed (applied
 * only), and the IAPS flags the allocation implies, which a duplicate re-reports so IAPS events are at least once.
 */
export interface AllocationResult {
  readonly changes: AppliedChanges | null;
  readonly iaps: readonly IapsFlag[];
}

/** Whom a message is about, as far as it is known: for logs, metrics, and people reading outcomes. */
export interface Subject {
  readonly kind?: AllocationKind;
  /** The person whose records change (PERSON: the detail's CRN, rule S2; otherwise the message's). */
  readonly crn?: string | null;
  /** Who the allocation is to. */
  readonly staffCode?: string;
  readonly teamCode?: string;
  readonly personId?: number;
}

/**
 * How one message ended: the one outcome of every stage and of the Delius module, read alike by the runner,
 * the logs, the metrics and the tests. `applied`, `duplicate` and `ignored` are acknowledged; `retry` waits and
 * tries again; `dead-letter` is set aside with its reason. `Result` is what the work produced.
 */
export type Outcome<Result = undefined> =
  | { readonly status: 'applied'; readonly subject: Subject; readonly result: Result }
  | { readonly status: 'duplicate'; readonly subject: Subject; readonly result: Result }
  | {
      readonly status: 'ignored';
      readonly subject: Subject;
      readonly reason: string;
      readonly properties: Readonly<Record<string, string>>;
    }
  | { readonly status: 'retry'; readonly subject: Subject; readonly error: AppError }
  | { readonly status: 'dead-letter'; readonly subject: Subject; readonly error: AppError };

/**
 * What a handler returns. The one failure rule: a handler returns what happened and throws what failed, as an
 * AppError (or any error, which the classifier resolves); the runner alone turns a failure into a retry or a
 * dead letter.
 */
export type Handled<Result = undefined> = Extract<
  Outcome<Result>,
  { readonly status: 'applied' | 'duplicate' | 'ignored' }
>;

/** The work was done, now or before: what may commit. */
export type Completed<Result = undefined> = Extract<
  Outcome<Result>,
  { readonly status: 'applied' | 'duplicate' }
>;
