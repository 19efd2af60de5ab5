import type { AllocationDetail } from '../domain/allocation-detail.ts';
import { resolveDatabaseError } from '../db/database-errors.ts';
import { classifierOf } from '../domain/errors.ts';
import { AppError, IgnorableAllocation } from '../domain/errors.ts';
import type { AllocationResult, Completed, Handled } from '../domain/outcome.ts';
import { allocateEvent } from './allocate-event.ts';
import { allocateLicenceCondition } from './allocate-licence-condition.ts';
import { allocatePerson } from './allocate-person.ts';
import { allocateRequirement } from './allocate-requirement.ts';
import { allocationContext, type AllocationContext } from './allocation-context.ts';
import { writeAudit } from './audit.ts';
import type { DeliusDb } from './delius-db.ts';
import { londonWallClock, parseCreatedDate } from './time.ts';
import { inChildSpan } from '../observability/tracing.ts';

/** The Delius module's errors are its database's: the rest is unexpected. */
const classifyError = classifierOf(resolveDatabaseError);

/** One allocation: the validated detail and the CRN of the message that announced it. */
export type AllocationRequest = AllocationDetail & { readonly messageCrn: string | undefined };

/** M3: every kind but PERSON (which names its person in the detail) needs the message's CRN. */
function requireCrn(request: AllocationRequest): string {
  if (!request.messageCrn) throw new AppError('invalid-message', 'No CRN available in person reference');
  return request.messageCrn;
}

function allocate(
  context: AllocationContext,
  request: AllocationRequest,
): Promise<Completed<AllocationResult>> {
  switch (request.kind) {
    case 'PERSON':
      return allocatePerson(context, request.detail);
    case 'EVENT':
      return allocateEvent(context, requireCrn(request), request.detail);
    case 'REQUIREMENT':
      return allocateRequirement(context, requireCrn(request), request.detail);
    case 'LICENCE_CONDITION':
      return allocateLicenceCondition(context, requireCrn(request), request.detail);
  }
}

/**
 * Applies one allocation to Delius. It resolves to how it ended (applied, duplicate, ignored) and throws an
 * AppError, saying whether a retry could help, when it failed. All of the allocation's reads and writes share
 * one transaction (C13); its audit row is written afterwards in a transaction of its own (AU4); Delius
 * rebuilds the person's caseload tables only after a commit, duplicates included (C16).
 *
 * S6 (changed): a PERSON allocation does not need the message's CRN, so a message without one is applied
 * like any other instead of committing, failing and being dead-lettered as the original did.
 */
export async function applyAllocation(
  db: DeliusDb,
  request: AllocationRequest,
): Promise<Handled<AllocationResult>> {
  // M3 before the audited work, as the original resolves the CRN before its audited service: no audit row.
  if (request.kind !== 'PERSON') requireCrn(request);
  const startedAt = londonWallClock(db.clock());
  const auditParameters = new Map<string, string>();
  const subject = {
    kind: request.kind,
    crn: request.kind === 'PERSON' ? request.detail.crn : request.messageCrn,
    staffCode: request.detail.staffCode,
    teamCode: request.detail.teamCode,
  };
  let rebuildFor: number | undefined;

  let completed: Completed<AllocationResult>;
  try {
    const at = parseCreatedDate(request.detail.createdDate);
    completed = await inChildSpan(
      'Delius transaction',
      () => ({ 'db.system.name': db.sequelize.getDialect(), 'allocations.kind': request.kind }),
      () =>
        db.sequelize.transaction(async (transaction) => {
          const context = allocationContext(db, transaction, at, auditParameters, (personId) => {
            rebuildFor = personId;
          });
          return allocate(context, request);
        }),
    );
  } catch (error) {
    await writeAudit(db, { kind: request.kind, startedAt, outcome: 'F', parameters: auditParameters });
    if (error instanceof IgnorableAllocation) {
      const personId = auditParameters.get('offenderId');
      return {
        status: 'ignored',
        subject: { ...subject, ...(personId === undefined ? {} : { personId: Number(personId) }) },
        reason: error.message,
        properties: error.properties,
      };
    }
    throw classifyError(error);
  }

  await writeAudit(db, { kind: request.kind, startedAt, outcome: 'P', parameters: auditParameters });
  if (rebuildFor !== undefined) {
    try {
      await db.dialect.rebuildCaseload(rebuildFor);
    } catch (error) {
      // The allocation is committed; a retry is a duplicate no-op that asks for the rebuild again.
      throw retryableRebuildFailure(error);
    }
  }
  return { ...completed, subject: { ...subject, ...completed.subject } };
}

function retryableRebuildFailure(error: unknown): AppError {
  const classified = classifyError(error);
  return new AppError(
    classified.code === 'unexpected' ? 'database-busy' : classified.code,
    `Caseload rebuild failed: ${classified.message}`,
    {
      retryable: true,
      cause: error,
    },
  );
}
