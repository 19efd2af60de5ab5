import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import { openDeliusDb, type DeliusDb } from '../../src/delius/delius-db.ts';
import { caseloadRebuildCalls } from '../../infra/delius-schema/build-schema.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import { allocationRequest } from '../support/allocation-requests.ts';
import { testDelius } from '../support/delius.ts';
import {
  auditRows,
  managerHistory,
  responsibleOfficers,
  writtenRowCounts,
} from '../support/delius-queries.ts';
import { testLogger, testScope } from '../support/isolation.ts';

describe('one transaction per allocation', () => {
  const scope = testScope('transaction');
  afterAll(() => scope.close());

  it('rolls back every row of a failed allocation but keeps its audit row with outcome F', async () => {
    const db = await testDelius(scope);
    const { people } = await seedExampleData(db.models);
    const managersBefore = await managerHistory(db, 'PERSON', people.X123456.id);
    const officersBefore = await responsibleOfficers(db, people.X123456.id);
    const before = await writtenRowCounts(db);
    // The ETOM contact type is the last thing a person allocation needs, after the manager, RO and ROC writes.
    await db.models.ContactType.destroy({ where: { code: 'ETOM' } });

    await expect(applyAllocation(db, allocationRequest('PERSON'))).rejects.toMatchObject({
      code: 'not-found',
      message: 'Contact type with code of ETOM not found',
    });
    expect(await writtenRowCounts(db)).toEqual(before);
    expect(await managerHistory(db, 'PERSON', people.X123456.id)).toEqual(managersBefore);
    expect(await responsibleOfficers(db, people.X123456.id)).toEqual(officersBefore);
    expect(await auditRows(db)).toEqual([
      {
        interaction: 'CABI231',
        outcome: 'F',
        parameters: `offenderId='${people.X123456.id}'`,
        userId: db.auditUser.id,
      },
    ]);
    // C16: no rebuild after a rollback.
    expect(await caseloadRebuildCalls(db.sequelize)).toEqual([]);
  });

  it('writes one audit row per attempt, even for concurrent attempts within the same millisecond', async () => {
    const fixed = new Date('2026-11-27T12:00:00.000Z');
    const db = await testDelius(scope, { clock: () => fixed });
    await seedExampleData(db.models);
    // Sixteen attempts on four connections, all audited at the same instant: most collide with another.
    const crns = ['X123456', 'T123456', 'T223456', 'Z999999'];
    const attempts = Array.from({ length: 16 }, (_, index) =>
      allocationRequest('PERSON', { crn: crns[index % 4] }),
    );
    const outcomes = await Promise.allSettled(attempts.map((request) => applyAllocation(db, request)));
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    expect(failed).toBeGreaterThanOrEqual(4);
    const rows = await auditRows(db);
    expect(rows).toHaveLength(16);
    expect(rows.filter((row) => row.outcome === 'F')).toHaveLength(failed);
  });

  it("stamps each audit row with its attempt's start to the millisecond, as Delius's TIMESTAMP key holds it (AU1)", async () => {
    let tick = 0;
    // Two attempts in the same second, 800 ms apart: two keys, since DATE_TIME is a TIMESTAMP.
    const instants = [new Date('2026-11-27T12:00:00.100Z'), new Date('2026-11-27T12:00:00.900Z')];
    const db = await testDelius(scope, { clock: () => instants[Math.min(tick++, 1)] as Date });
    await seedExampleData(db.models);
    // One after the other: a process never writes an audit row of a kind before one it wrote already, so two at
    // once would stamp the second to finish a millisecond after the first, whichever started first.
    for (const crn of ['Z999999', 'Z999998'])
      await applyAllocation(db, allocationRequest('PERSON', { crn })).catch(() => undefined);
    const times = (await db.models.AuditedInteraction.findAll({ order: [['dateTime', 'ASC']] })).map((row) =>
      row.get({ plain: true }).dateTime.toISOString(),
    );
    // London's wall clock (GMT in November) of each attempt's start, milliseconds and all.
    expect(times).toEqual(['2026-11-27T12:00:00.100Z', '2026-11-27T12:00:00.900Z']);
  });

  it('writes every audit row of a burst of one kind in one second, past the hundred seconds a row may probe (AU4)', async () => {
    const fixed = new Date('2026-11-27T12:00:00.000Z');
    const db = await testDelius(scope, { clock: () => fixed });
    await seedExampleData(db.models);
    // A backlog let go at once: 150 attempts audited at the same instant, one after another.
    for (let attempt = 0; attempt < 150; attempt += 1)
      await expect(
        applyAllocation(db, allocationRequest('PERSON', { crn: 'Z999999' })),
      ).rejects.toMatchObject({
        code: 'not-found',
      });
    const times = (await db.models.AuditedInteraction.findAll()).map((row) =>
      row.get({ plain: true }).dateTime.getTime(),
    );
    expect(times).toHaveLength(150);
    expect(new Set(times).size).toBe(150);
    // Each a millisecond after the last that was taken: the burst is stamped within its own second (AU1).
    expect(Math.max(...times) - fixed.getTime()).toBeLessThan(1000);
  });

  it("writes the audit rows of a restarted process after its predecessor's, past a burst that runs ahead of the clock (AU4)", async () => {
    const fixed = new Date('2026-11-27T12:00:00.000Z');
    const before = await testDelius(scope, { clock: () => fixed });
    await seedExampleData(before.models);
    const burst = async (db: DeliusDb) => {
      for (let attempt = 0; attempt < 120; attempt += 1)
        await expect(
          applyAllocation(db, allocationRequest('PERSON', { crn: 'Z999999' })),
        ).rejects.toMatchObject({
          code: 'not-found',
        });
    };
    await burst(before);
    // The same database, as a new process sees it: it knows nothing of the seconds its predecessor took.
    const after = await openDeliusDb({
      sequelize: before.sequelize,
      auditUserName: before.auditUser.name,
      logger: testLogger,
      clock: () => fixed,
    });
    await burst(after);
    const times = (await before.models.AuditedInteraction.findAll()).map((row) =>
      row.get({ plain: true }).dateTime.getTime(),
    );
    expect(times).toHaveLength(240);
    expect(new Set(times).size).toBe(240);
    expect(Math.max(...times) - fixed.getTime()).toBeLessThan(1000);
  });
});
