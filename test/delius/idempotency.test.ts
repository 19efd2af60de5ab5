import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import { caseloadRebuildCalls } from '../../infra/delius-schema/build-schema.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import { exampleRequest, testDelius } from '../support/delius.ts';
import { auditRows, contactsOf, iapsFlags, writtenRowCounts } from '../support/delius-queries.ts';
import { examplePairs } from '../support/delius.ts';
import { testScope } from '../support/isolation.ts';

describe('re-applying an allocation (ID1, ID2)', () => {
  const scope = testScope('idempotency');
  afterAll(() => scope.close());

  it.each(examplePairs)('is a duplicate that changes nothing: %s', async (message, detail) => {
    const db = await testDelius(scope);
    const { people } = await seedExampleData(db.models);
    const request = await exampleRequest(message, detail);

    const first = await applyAllocation(db, request);
    expect(first.status).toBe('applied');
    const counts = await writtenRowCounts(db);
    const { personId } = first.subject;
    const contacts = await contactsOf(db, personId ?? 0);
    const flags = await iapsFlags(db);

    const second = await applyAllocation(db, request);
    expect(second).toMatchObject({
      status: 'duplicate',
      subject: { kind: first.subject.kind, crn: first.subject.crn, personId },
    });
    expect(await writtenRowCounts(db)).toEqual(counts);
    expect(await contactsOf(db, personId ?? 0)).toEqual(contacts);
    expect(await iapsFlags(db)).toEqual(flags);
    // A duplicate is still a successful attempt: audited P, and the caseload rebuilt once more.
    expect((await auditRows(db)).map((row) => row.outcome)).toEqual(['P', 'P']);
    expect(await caseloadRebuildCalls(db.sequelize)).toEqual([personId, personId]);
    expect(Object.values(people).map((person) => person.id)).toContain(personId);
  });
});
