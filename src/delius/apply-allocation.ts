import type { AllocationDetail } from '../domain/allocation-detail.ts';
import { classifyError } from '../domain/classify-error.ts';
import { AppError, IgnorableAllocation } from '../domain/errors.ts';
import type { AllocationOutcome } from '../domain/outcome.ts';
import { allocateEvent } from './allocate-event.ts';
import { allocateLicenceCondition } from './allocate-licence-condition.ts';
import { allocatePerson } from './allocate-person.ts';
import { allocateRequirement } from './allocate-requirement.ts';
import { allocationContext, type AllocationContext } from './allocation-context.ts';
import { writeAudit } from './audit.ts';
import type { DeliusDb } from './delius-db.ts';
import type { KindResult } from './kind-result.ts';
import { londonWallClock, parseCreatedDate } from './time.ts';

/** One allocation: the validated detail and the CRN of the message that announced it. */
export type AllocationRequest = AllocationDetail & { readonly messageCrn: string | undefined };

/** M3: every kind but PERSON (which names its person in the detail) needs the message's CRN. */
function requireCrn(request: AllocationRequest): string {
  if (!request.messageCrn) throw new AppError('invalid-message', 'No CRN available in person reference');
  return request.messageCrn;
}

function allocate(context: AllocationContext, request: AllocationRequest): Promise<KindResult> {
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
 * Applies one allocation to Delius and says how it ended; it never throws. All of the allocation's reads
 * and writes share one transaction (C13); its audit row is written afterwards in a transaction of its own
 * (AU4); Delius rebuilds the person's caseload tables only after a commit, duplicates included (C16).
 *
 * S6 (changed): a PERSON allocation does not need the message's CRN, so a message without one is applied
 * like any other instead of committing, failing and being dead-lettered as the original did.
 */
export async function applyAllocation(db: DeliusDb, request: AllocationRequest): Promise<AllocationOutcome> {
  const startedAt = londonWallClock(db.clock());
  const auditParameters = new Map<string, string>();
  const subject = {
    kind: request.kind,
    crn: request.kind === 'PERSON' ? request.detail.crn : request.messageCrn,
  };
  let rebuildFor: number | undefined;

  let result: KindResult;
  try {
    const at = parseCreatedDate(request.detail.createdDate);
    result = await db.sequelize.transaction(async (transaction) => {
      await db.dialect.setClientIdentifier(db.auditUser.name, transaction);
      const context = allocationContext(db, transaction, at, auditParameters, (personId) => {
        rebuildFor = personId;
      });
      const kindResult = await allocate(context, request);
      await db.dialect.clearClientIdentifier(transaction);
      return kindResult;
    });
  } catch (error) {
    await writeAudit(db, { kind: request.kind, startedAt, outcome: 'F', parameters: auditParameters });
    const personId = auditParameters.has('offenderId')
      ? Number(auditParameters.get('offenderId'))
      : undefined;
    const known = { ...subject, ...(personId === undefined ? {} : { personId }) };
    if (error instanceof IgnorableAllocation) {
      return { ...known, status: 'ignored', reason: error.message, properties: error.properties };
    }
    return { ...known, status: 'failed', error: classifyError(error) };
  }

  await writeAudit(db, { kind: request.kind, startedAt, outcome: 'P', parameters: auditParameters });
  const outcome: AllocationOutcome =
    result.status === 'applied'
      ? { ...subject, personId: result.personId, status: 'applied', changes: result.changes }
      : { ...subject, personId: result.personId, status: 'duplicate', iaps: result.iaps };
  if (rebuildFor !== undefined) {
    try {
      await db.dialect.rebuildCaseload(rebuildFor);
    } catch (error) {
      // The allocation is committed; a retry is a duplicate no-op that asks for the rebuild again.
      return {
        ...subject,
        personId: result.personId,
        status: 'failed',
        error: retryableRebuildFailure(error),
      };
    }
  }
  return outcome;
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
