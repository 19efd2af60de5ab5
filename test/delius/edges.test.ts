// The rules that had no test of their own: future dates (C8, S8), the business interaction (AU5), the IAPS
// counts and their update path (I3, I4, I6), end dates on the day (V3, V6), an explicit initial reason (E12),
// and a period split across the change from summer time to winter time (C14).
import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import { asWallClock } from '../../src/delius/time.ts';
import type { AppError } from '../../src/domain/errors.ts';
import { allocationRequest } from '../support/allocation-requests.ts';
import { testDelius } from '../support/delius.ts';
import { auditRows, contactsOf, iapsFlags, managerHistory } from '../support/delius-queries.ts';
import { testScope } from '../support/isolation.ts';

describe('the rules at their edges', () => {
  const scope = testScope('edges');
  afterAll(() => scope.close());

  let db: DeliusDb;
  let data: Awaited<ReturnType<typeof seedExampleData>>;
  beforeEach(async () => {
    db = await testDelius(scope);
    data = await seedExampleData(db.models);
  });
  const start = new Date(Date.UTC(2022, 6, 1, 10, 30));

  it('leaves both managers active after a future-dated allocation, as their dates say (C8, S8)', async () => {
    const outcome = await applyAllocation(
      db,
      allocationRequest('PERSON', { crn: 'T123456', createdDate: '2099-01-01T09:00:00Z' }),
    );
    expect(outcome.status).toBe('applied');
    expect(await managerHistory(db, 'PERSON', data.people.T123456.id)).toMatchObject([
      { staff: 'N02UATU', end: '2099-01-01 09:00:00', active: 1 },
      { staff: 'N02ABS1', start: '2099-01-01 09:00:00', end: null, active: 1 },
    ]);
  });

  it.each([
    ['missing', () => db.models.BusinessInteraction.destroy({ where: { code: 'CABI231' } })],
    [
      'not enabled yet',
      () =>
        db.models.BusinessInteraction.update(
          { enabledDate: asWallClock(new Date(Date.UTC(2099, 0, 1))) },
          { where: { code: 'CABI231' } },
        ),
    ],
  ])(
    'applies the allocation but writes no audit row when the business interaction is %s (AU5)',
    async (_case, change) => {
      await change();
      expect((await applyAllocation(db, allocationRequest('PERSON'))).status).toBe('applied');
      expect(await auditRows(db)).toEqual([]);
    },
  );

  it.each([
    ['inactive', { active: false }],
    ['soft deleted', { softDeleted: true }],
  ])(
    'flags a person for IAPS for an accredited programme however it stands, %s included (I3)',
    async (_case, state) => {
      await data.fixtures.event({
        crn: 'T123456',
        number: '1',
        managers: [{ staff: 'N02UATU', team: 'N02UAT', start }],
      });
      await data.fixtures.requirement({
        crn: 'T123456',
        eventNumber: '1',
        managers: [],
        main: '7',
        ...state,
      });
      await applyAllocation(db, allocationRequest('PERSON', { crn: 'T123456' }));
      expect((await iapsFlags(db)).IAPS_OFFENDER).toEqual([[data.people.T123456.id, 1]]);
    },
  );

  it.each([
    ['inactive', { active: false }],
    ['soft deleted', { softDeleted: true }],
  ])('does not flag an event for IAPS for an accredited programme that is %s (I4)', async (_case, state) => {
    await data.fixtures.requirement({
      crn: 'X123456',
      eventNumber: '2',
      managers: [],
      main: 'RM38',
      ...state,
    });
    expect((await applyAllocation(db, allocationRequest('EVENT', { eventNumber: 2 }))).status).toBe(
      'applied',
    );
    expect((await iapsFlags(db)).IAPS_EVENT).toEqual([]);
  });

  it('sets an existing IAPS row whose flag is 0 to 1, rather than adding one (I6)', async () => {
    await db.models.IapsRequirement.create({ id: 9001, iapsFlag: 0 });
    await applyAllocation(db, allocationRequest('REQUIREMENT'));
    expect((await iapsFlags(db)).IAPS_RQMNT).toEqual([[9001, 1]]);
  });

  describe('end dates on the day of the allocation (V3, V6)', () => {
    const createdDate = '2022-07-28T10:30:54+01:00';
    beforeEach(async () => {
      await data.fixtures.team({
        code: 'N02SAM',
        description: 'Same',
        provider: 'N02',
        endDate: new Date(Date.UTC(2022, 6, 28, 10, 30, 54)),
      });
      await data.fixtures.team({
        code: 'N02EAR',
        description: 'Earlier',
        provider: 'N02',
        endDate: new Date(Date.UTC(2022, 6, 28, 9)),
      });
      await data.fixtures.staff({
        code: 'N02SAM1',
        forename: 'Same',
        surname: 'Day',
        teams: ['N02SAM', 'N02EAR', 'N02ABS'],
        endDate: new Date(Date.UTC(2022, 6, 28, 10, 30, 54)),
      });
      await data.fixtures.staff({
        code: 'N02EAR1',
        forename: 'Early',
        surname: 'Leaver',
        teams: ['N02ABS'],
        endDate: new Date(Date.UTC(2022, 6, 28, 9)),
      });
    });

    it('accepts a team and staff that end exactly at createdDate', async () => {
      expect(
        (
          await applyAllocation(
            db,
            allocationRequest('PERSON', { createdDate, teamCode: 'N02SAM', staffCode: 'N02SAM1' }),
          )
        ).status,
      ).toBe('applied');
    });

    it('ignores a team that ended earlier the same day', async () => {
      expect(
        await applyAllocation(
          db,
          allocationRequest('PERSON', { createdDate, teamCode: 'N02EAR', staffCode: 'N02SAM1' }),
        ),
      ).toMatchObject({ status: 'ignored', reason: 'Team is not active' });
    });

    it('refuses staff who left earlier the same day', async () => {
      await expect(
        applyAllocation(db, allocationRequest('PERSON', { createdDate, staffCode: 'N02EAR1' })),
      ).rejects.toMatchObject({
        code: 'not-active',
        message: 'Staff with code of N02EAR1 not active',
      } satisfies Partial<AppError>);
    });
  });

  it('writes the SPOD03 contact for an explicit INITIAL_ALLOCATION, as for none (E12)', async () => {
    await applyAllocation(
      db,
      allocationRequest('EVENT', { eventNumber: 2, allocationReason: 'INITIAL_ALLOCATION' }),
    );
    const types = (await contactsOf(db, data.people.X123456.id)).map((contact) => contact.type);
    expect(types).toEqual(['ETOS', 'SPOD03']);
  });

  it('splits a period begun in summer time at a moment in winter time, in London wall-clock time (C14)', async () => {
    // 1 July 10:30 BST (the fixture's start) to 15 November 10:00 GMT (= 10:00Z): no hour gained or lost.
    await applyAllocation(
      db,
      allocationRequest('PERSON', { crn: 'T123456', createdDate: '2022-11-15T10:00:00Z' }),
    );
    expect(await managerHistory(db, 'PERSON', data.people.T123456.id)).toMatchObject([
      { staff: 'N02UATU', start: '2022-07-01 10:30:00', end: '2022-11-15 10:00:00' },
      { staff: 'N02ABS1', start: '2022-11-15 10:00:00', end: null },
    ]);
    // And a summer-time allocation before it lands at its London time, an hour ahead of UTC.
    await applyAllocation(
      db,
      allocationRequest('PERSON', {
        crn: 'T123456',
        createdDate: '2022-08-01T09:15:00Z',
        staffCode: 'N02ABSX',
      }),
    );
    expect(
      (await managerHistory(db, 'PERSON', data.people.T123456.id)).map((row) => [
        row.staff,
        row.start,
        row.end,
      ]),
    ).toEqual([
      ['N02UATU', '2022-07-01 10:30:00', '2022-08-01 10:15:00'],
      ['N02ABSX', '2022-08-01 10:15:00', '2022-11-15 10:00:00'],
      ['N02ABS1', '2022-11-15 10:00:00', null],
    ]);
    const transfers = (await contactsOf(db, data.people.T123456.id)).filter(
      (contact) => contact.type === 'ETOM',
    );
    expect(transfers.map((contact) => [contact.date, contact.startTime])).toEqual([
      ['2022-11-15 00:00:00', '2022-11-15 10:00:00'],
      ['2022-08-01 00:00:00', '2022-08-01 10:15:00'],
    ]);
  });
});
