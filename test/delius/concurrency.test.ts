import { applyAllocation, type AllocationRequest } from '../../src/delius/apply-allocation.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import type { AppError } from '../../src/domain/errors.ts';
import { allocationRequest } from '../support/allocation-requests.ts';
import { testDelius } from '../support/delius.ts';
import { managerHistory, responsibleOfficers } from '../support/delius-queries.ts';
import { testScope } from '../support/isolation.ts';

type Attempt = { status: string } | { status: 'failed'; error: AppError };

/** One attempt, its failure (thrown) kept as a value. */
async function attempt(db: DeliusDb, request: AllocationRequest): Promise<Attempt> {
  try {
    return await applyAllocation(db, request);
  } catch (error) {
    return { status: 'failed', error: error as AppError };
  }
}

/** What the pipeline does with an outcome: a retryable failure is tried again; anything else is final. */
async function untilFinal(db: DeliusDb, request: AllocationRequest, first: Attempt): Promise<Attempt[]> {
  const outcomes = [first];
  let last = first;
  while ('error' in last && last.error.retryable && outcomes.length < 10) {
    last = await attempt(db, request);
    outcomes.push(last);
  }
  return outcomes;
}

describe('concurrent allocations for one person', () => {
  const scope = testScope('concurrency');
  afterAll(() => scope.close());

  it('never leave two open-ended managers: each either applies or fails as retryable and applies when retried', async () => {
    const db = await testDelius(scope);
    const { fixtures, people } = await seedExampleData(db.models);
    const staff = ['N02CC01', 'N02CC02', 'N02CC03', 'N02CC04', 'N02CC05', 'N02CC06'];
    for (const code of staff)
      await fixtures.staff({ code, forename: 'Case', surname: code, teams: ['N02ABS'] });
    const requests = staff.map((staffCode, index) =>
      allocationRequest('PERSON', { staffCode, createdDate: `2022-08-0${index + 1}T12:00:00+01:00` }),
    );

    // All at once, each on its own pooled connection.
    const firsts = await Promise.all(requests.map((request) => attempt(db, request)));
    for (const outcome of firsts) {
      if ('error' in outcome) expect(outcome.error).toMatchObject({ retryable: true });
      else expect(outcome.status).toBe('applied');
    }
    const finals = await Promise.all(
      requests.map((request, index) => untilFinal(db, request, firsts[index] as Attempt)),
    );
    expect(finals.map((outcomes) => outcomes.at(-1)?.status)).toEqual(staff.map(() => 'applied'));

    const history = await managerHistory(db, 'PERSON', people.X123456.id);
    expect(history.map((period) => period.staff)).toEqual(['N02UATU', ...staff]);
    expect(history.filter((period) => period.end === null)).toHaveLength(1);
    for (const [index, period] of history.entries())
      expect(period.end).toBe(history[index + 1]?.start ?? null);
    const officers = await responsibleOfficers(db, people.X123456.id);
    expect(officers.filter((officer) => officer.end === null)).toHaveLength(1);
    expect(officers).toHaveLength(history.length);
  });
});
