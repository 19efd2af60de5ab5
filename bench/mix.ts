// The allocations the benchmarks make: one owner per allocation, in a realistic mix of kinds, each owner
// re-allocated at a later date on every round (to N02ABS1 and N02ABSX in turn, so none is a duplicate).
import type { AllocationKind } from '../src/domain/allocation-detail.ts';

/**
 * Workforce's mix: most allocations are a new person with their event; requirements and licence conditions
 * are allocated less often. Per 20 allocations: 8 PERSON, 8 EVENT, 3 REQUIREMENT, 1 LICENCE_CONDITION.
 */
export function kindOf(index: number): AllocationKind {
  const slot = index % 20;
  if (slot < 8) return 'PERSON';
  if (slot < 16) return 'EVENT';
  if (slot < 19) return 'REQUIREMENT';
  return 'LICENCE_CONDITION';
}

export const crnOf = (prefix: string, index: number) => `${prefix}${String(index).padStart(6, '0')}`;
export const requirementIdOf = (index: number) => 100_000 + index;
export const licenceConditionIdOf = (index: number) => 200_000 + index;

/** The detail body of owner `index`'s allocation in `round` (rounds start at 1). */
export function allocationBody(prefix: string, index: number, round: number): Record<string, unknown> {
  const kind = kindOf(index);
  const crn = crnOf(prefix, index);
  const createdDate = new Date(Date.UTC(2023, 0, 1, 10) + round * 86_400_000).toISOString();
  const common = {
    id: `${crn}-${round}`,
    staffCode: round % 2 === 0 ? 'N02ABS1' : 'N02ABSX',
    teamCode: 'N02ABS',
    createdDate,
  };
  switch (kind) {
    case 'PERSON':
      return { ...common, crn };
    case 'EVENT':
      return { ...common, eventNumber: 1 };
    case 'REQUIREMENT':
      return { ...common, eventNumber: 1, requirementId: requirementIdOf(index) };
    case 'LICENCE_CONDITION':
      return { ...common, eventNumber: 1, licenceConditionId: licenceConditionIdOf(index) };
  }
}

/** Owners for `count` allocations: each person with an event, a requirement and a licence condition. */
export async function seedOwners(
  fixtures: {
    person(spec: object): Promise<unknown>;
    event(spec: object): Promise<unknown>;
    requirement(spec: object): Promise<unknown>;
    licenceCondition(spec: object): Promise<unknown>;
  },
  prefix: string,
  count: number,
  concurrency = 4,
): Promise<void> {
  const managers = [{ staff: 'N02UATU', team: 'N02UAT', start: new Date(Date.UTC(2022, 6, 1, 10, 30)) }];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const crn = crnOf(prefix, index);
        await fixtures.person({ crn, managers });
        await fixtures.event({ crn, number: '1', managers });
        // One in eight requirements is an accredited programme: its allocations set IAPS flags.
        const main = index % 8 === 2 ? '7' : 'W';
        await fixtures.requirement({ id: requirementIdOf(index), crn, eventNumber: '1', managers, main });
        await fixtures.licenceCondition({ id: licenceConditionIdOf(index), crn, eventNumber: '1', managers });
      }
    }),
  );
}
