// The same rules on the embedded SQLite Delius that local runs use.
import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import { caseloadRebuildCalls } from '../../infra/delius-schema/build-schema.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import { allocationRequest } from '../support/allocation-requests.ts';
import { examplePairs, exampleRequest, testDelius } from '../support/delius.ts';
import { auditRows, contactsOf, managerHistory, writtenRowCounts } from '../support/delius-queries.ts';
import { testScope } from '../support/isolation.ts';

describe('the allocation core on SQLite', () => {
  const scope = testScope('sqlite-core');
  afterAll(() => scope.close());

  it('applies every example, then finds each one a duplicate', async () => {
    const db = await testDelius(scope, { dialect: 'sqlite' });
    await seedExampleData(db.models);
    const first = [];
    for (const [message, detail] of examplePairs)
      first.push((await applyAllocation(db, await exampleRequest(message, detail))).status);
    // Later examples for an owner already given to N02ABS1/N02ABS are duplicates of earlier ones (S1).
    expect(first.filter((status) => status === 'applied').length).toBeGreaterThanOrEqual(10);
    expect(first.every((status) => status === 'applied' || status === 'duplicate')).toBe(true);
    const counts = await writtenRowCounts(db);
    for (const [message, detail] of examplePairs) {
      expect((await applyAllocation(db, await exampleRequest(message, detail))).status).toBe('duplicate');
    }
    expect(await writtenRowCounts(db)).toEqual(counts);
    expect(await caseloadRebuildCalls(db.sequelize)).toHaveLength(examplePairs.length * 2);
  });

  it('splits the history, writes the contacts and audits, as on PostgreSQL', async () => {
    const db = await testDelius(scope, { dialect: 'sqlite' });
    const data = await seedExampleData(db.models);
    const outcome = await applyAllocation(
      db,
      await exampleRequest(
        'person-allocation-historic-message.json',
        'person-allocation-details-historic.json',
      ),
    );
    expect(outcome.status).toBe('applied');
    expect(
      (await managerHistory(db, 'PERSON', data.people.T223456.id)).map(({ start, end }) => [start, end]),
    ).toEqual([
      ['2022-07-01 10:30:00', '2022-07-28 10:30:54'],
      ['2022-07-28 10:30:54', data.yesterday.toISOString().slice(0, 19).replace('T', ' ')],
      [data.yesterday.toISOString().slice(0, 19).replace('T', ' '), null],
    ]);
    expect((await contactsOf(db, data.people.T223456.id)).map((contact) => contact.type)).toEqual([
      'ROC',
      'ETOM',
    ]);
    expect(await auditRows(db)).toEqual([expect.objectContaining({ interaction: 'CABI231', outcome: 'P' })]);
  });

  it('rolls a failure back and keeps its audit row', async () => {
    const db = await testDelius(scope, { dialect: 'sqlite' });
    await seedExampleData(db.models);
    const before = await writtenRowCounts(db);
    await db.models.ContactType.destroy({ where: { code: 'ETRC' } });
    await expect(applyAllocation(db, allocationRequest('REQUIREMENT'))).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(await writtenRowCounts(db)).toEqual(before);
    expect((await auditRows(db)).map((row) => row.outcome)).toEqual(['F']);
  });
});
