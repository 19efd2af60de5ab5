import type { AllocationResult, AppliedChanges, Completed, IapsFlag } from '../domain/outcome.ts';

// What a kind module returns when its transaction may commit; ignored and failed ends are thrown, to roll it back.

export const appliedOf = (personId: number, changes: AppliedChanges): Completed<AllocationResult> => ({
  status: 'applied',
  subject: { personId },
  result: { changes, iaps: changes.iaps },
});

export const duplicateOf = (personId: number, iaps: readonly IapsFlag[]): Completed<AllocationResult> => ({
  status: 'duplicate',
  subject: { personId },
  result: { changes: null, iaps },
});
