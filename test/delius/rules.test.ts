// Spec §15.2: every not-found, not-active, conflict, duplicate, pending-transfer and validation outcome.
import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import type { AppError } from '../../src/domain/errors.ts';
import { allocationRequest } from '../support/allocation-requests.ts';
import { testDelius } from '../support/delius.ts';
import { auditRows, contactsOf, writtenRowCounts } from '../support/delius-queries.ts';
import { testScope } from '../support/isolation.ts';

/** How an allocation failed: the Delius module throws a failure, saying whether to retry. */
async function failure(attempt: Promise<unknown>) {
  try {
    return await attempt;
  } catch (thrown) {
    const error = thrown as AppError;
    return { code: error.code, retryable: error.retryable, message: error.message };
  }
}
const fatal = (code: string, message: string) => ({ code, retryable: false, message });
/** A person with a pending transfer: a conflict in the newest original (P5), unlike the other kinds. */
const personPending = fatal('conflict', 'Pending transfer exists for this person: X123456');
const ignored = (reason: string, properties: Record<string, string> = {}): unknown =>
  expect.objectContaining({ status: 'ignored', reason, properties });

describe('allocation rules (docs/delius-rules.md §15)', () => {
  const scope = testScope('rules');
  afterAll(() => scope.close());

  let db: DeliusDb;
  let data: Awaited<ReturnType<typeof seedExampleData>>;
  let before: Awaited<ReturnType<typeof writtenRowCounts>>;
  beforeEach(async () => {
    db = await testDelius(scope);
    data = await seedExampleData(db.models);
    before = await writtenRowCounts(db);
  });

  /** Every refusal leaves the allocation's tables as they were and one audit row with outcome F. */
  async function expectNothingWritten() {
    expect(await writtenRowCounts(db)).toEqual(before);
    expect((await auditRows(db)).map((row) => row.outcome)).toEqual(['F']);
  }

  describe('person', () => {
    it('fails when the person is not in Delius', async () => {
      expect(await failure(applyAllocation(db, allocationRequest('PERSON', { crn: 'Z999999' })))).toEqual(
        fatal('not-found', 'Person with crn of Z999999 not found'),
      );
      await expectNothingWritten();
      expect((await auditRows(db))[0]?.parameters).toBe('');
    });

    it('fails when nobody manages the person at createdDate', async () => {
      const outcome = applyAllocation(
        db,
        allocationRequest('PERSON', { createdDate: '2022-06-01T09:00:00+01:00' }),
      );
      expect(await failure(outcome)).toEqual(
        fatal('not-found', 'Person Manager for crn X123456 at 2022-06-01T09:00:00 not found'),
      );
      await expectNothingWritten();
    });

    it('is a duplicate, before any transfer check, when the same staff and team already manage the person', async () => {
      await data.fixtures.transfer('PERSON', data.people.X123456.id);
      const outcome = await applyAllocation(
        db,
        allocationRequest('PERSON', { staffCode: 'N02UATU', teamCode: 'N02UAT' }),
      );
      expect(outcome).toMatchObject({ status: 'duplicate', subject: { crn: 'X123456' } });
      expect(await writtenRowCounts(db)).toEqual(before);
      expect((await auditRows(db)).map((row) => row.outcome)).toEqual(['P']);
    });

    it('is a conflict while a transfer is pending, as in the newest original, but not for a transfer in another status', async () => {
      await data.fixtures.transfer('PERSON', data.people.X123456.id);
      expect(await failure(applyAllocation(db, allocationRequest('PERSON')))).toEqual(personPending);
      await expectNothingWritten();

      await data.fixtures.transfer('PERSON', data.people.T123456.id, 'AC');
      expect(await applyAllocation(db, allocationRequest('PERSON', { crn: 'T123456' }))).toMatchObject({
        status: 'applied',
      });
    });

    it('is not held back by a pending transfer that was soft deleted (C11)', async () => {
      await data.fixtures.transfer('PERSON', data.people.X123456.id, 'PN', { softDeleted: true });
      expect(await applyAllocation(db, allocationRequest('PERSON'))).toMatchObject({ status: 'applied' });
    });

    it('counts a transfer as pending by its status code, in whichever dataset that code sits (C11, as the original)', async () => {
      const elsewhere = await db.models.Dataset.create({ id: 990_001, name: 'TRANSFER STATUS (LEGACY)' });
      const legacyPending = await db.models.ReferenceData.create({
        id: 990_002,
        code: 'PN',
        description: 'Pending (legacy)',
        datasetId: elsewhere.get('id') as number,
      });
      await data.fixtures.transfer('PERSON', data.people.X123456.id, 'PN', {
        statusId: legacyPending.get('id') as number,
      });
      expect(await failure(applyAllocation(db, allocationRequest('PERSON')))).toEqual(personPending);
      await expectNothingWritten();
    });

    it('still finds a pending transfer when the transfer status dataset is renamed (C11)', async () => {
      await data.fixtures.transfer('PERSON', data.people.X123456.id);
      await db.models.Dataset.update(
        { name: 'TRANSFER STATUS (RENAMED)' },
        { where: { name: 'TRANSFER STATUS' } },
      );
      expect(await failure(applyAllocation(db, allocationRequest('PERSON')))).toEqual(personPending);
    });

    it('is applied when no status is coded PN: no transfer can be pending (C11, as the original)', async () => {
      await data.fixtures.transfer('PERSON', data.people.X123456.id);
      await db.models.ReferenceData.update({ code: 'PN-OLD' }, { where: { code: 'PN' } });
      expect(await applyAllocation(db, allocationRequest('PERSON'))).toMatchObject({ status: 'applied' });
    });

    it('replaces a prison offender manager as responsible officer and says so in the ROC notes, before the ETOM contact', async () => {
      await data.fixtures.person({
        crn: 'P123456',
        managers: [{ staff: 'N02UATU', team: 'N02UAT', start: new Date(Date.UTC(2022, 6, 1, 10, 30)) }],
        responsibleOfficer: 'prison',
      });
      const outcome = await applyAllocation(db, allocationRequest('PERSON', { crn: 'P123456' }));
      expect(outcome.status).toBe('applied');
      const contacts = await contactsOf(db, outcome.subject.personId ?? 0);
      expect(contacts.map((contact) => contact.type)).toEqual(['ROC', 'ETOM']);
      expect(contacts[0]?.notes).toContain(
        'Previous Details:\nResponsible Officer Type: Prison Offender Manager\n',
      );
      expect(contacts[0]?.notes).toContain('New Details:\nResponsible Officer Type: Offender Manager\n');
    });

    it('writes a responsible officer for a person who had none, saying so in words rather than "null" (S4)', async () => {
      await data.fixtures.person({
        crn: 'N123456',
        managers: [{ staff: 'N02UATU', team: 'N02UAT', start: new Date(Date.UTC(2022, 6, 1, 10, 30)) }],
        responsibleOfficer: 'none',
      });
      const outcome = await applyAllocation(db, allocationRequest('PERSON', { crn: 'N123456' }));
      expect(outcome).toMatchObject({
        status: 'applied',
        result: { changes: { responsibleOfficerId: expect.any(Number) as number } },
      });
      const roc = (await contactsOf(db, outcome.subject.personId ?? 0))[0];
      expect(roc?.notes).toContain(
        'Previous Details:\nNo previous Responsible Officer\nAllocation Reason: Initial Allocation',
      );
      expect(roc?.notes).not.toContain('null');
    });

    const onePeriod = [{ staff: 'N02UATU', team: 'N02UAT', start: new Date(Date.UTC(2022, 6, 1, 10, 30)) }];

    it('fails, writing nothing, when two responsible officers are active at createdDate (P8)', async () => {
      await data.fixtures.person({ crn: 'D123456', managers: onePeriod, responsibleOfficer: 'twice' });
      const counts = await writtenRowCounts(db);
      expect(await failure(applyAllocation(db, allocationRequest('PERSON', { crn: 'D123456' })))).toEqual(
        fatal(
          'conflict',
          'Person with crn of D123456 has 2 responsible officers active at 2022-07-28T10:30:54',
        ),
      );
      expect(await writtenRowCounts(db)).toEqual(counts);
    });

    it('describes a previous responsible officer with no manager by an empty line and its dates, as the original (P9)', async () => {
      await data.fixtures.person({ crn: 'U123456', managers: onePeriod, responsibleOfficer: 'unmanaged' });
      const outcome = await applyAllocation(db, allocationRequest('PERSON', { crn: 'U123456' }));
      expect(outcome.status).toBe('applied');
      const roc = (await contactsOf(db, outcome.subject.personId ?? 0))[0];
      expect(roc?.notes).toContain(
        'Previous Details:\n\nStart Date: 01/07/2022 10:30:00\nEnd Date: 28/07/2022 10:30:54\nAllocation Reason:',
      );
    });

    it('describes both managers of a previous responsible officer, joined as the original joins them (P9, S12)', async () => {
      await data.fixtures.person({ crn: 'B123456', managers: onePeriod, responsibleOfficer: 'both' });
      const outcome = await applyAllocation(db, allocationRequest('PERSON', { crn: 'B123456' }));
      const roc = (await contactsOf(db, outcome.subject.personId ?? 0))[0];
      expect(roc?.notes).toContain(
        [
          'Previous Details:',
          'Responsible Officer Type: Offender Manager',
          // No line break between the two: the original's blocks are concatenated as they are (S12).
          'Responsible Officer: Unallocated Staff(Unallocated Team(N02),NPS North East)Responsible Officer Type: Prison Offender Manager',
          'Responsible Officer: Unallocated Staff(Unallocated Team(N02),NPS North East)',
          'Start Date: 01/07/2022 10:30:00',
          'End Date: 28/07/2022 10:30:54',
        ].join('\n'),
      );
    });

    it('names a practitioner whose middle name is only spaces as the original does, middle name kept (C12)', async () => {
      await data.fixtures.staff({
        code: 'N02GILG',
        forename: 'Gil',
        middleName: ' ',
        surname: 'Gray',
        teams: ['N02UAT'],
      });
      await data.fixtures.person({
        crn: 'G123456',
        managers: [{ staff: 'N02GILG', team: 'N02UAT', start: new Date(Date.UTC(2022, 6, 1, 10, 30)) }],
      });
      const outcome = await applyAllocation(db, allocationRequest('PERSON', { crn: 'G123456' }));
      expect(outcome.status).toBe('applied');
      const notes = (await contactsOf(db, outcome.subject.personId ?? 0)).map((contact) => contact.notes);
      expect(notes.find((text) => text?.startsWith('Transfer Reason'))).toContain(
        'From Officer: Gil   Gray\n',
      );
      expect(notes.find((text) => text?.startsWith('New Details'))).toContain(
        'Responsible Officer: Gil   Gray(',
      );
    });

    it('needs no message CRN, since the detail names the person (S6)', async () => {
      expect(await applyAllocation(db, allocationRequest('PERSON', {}, null))).toMatchObject({
        status: 'applied',
        subject: { crn: 'X123456' },
      });
    });
  });

  describe('event', () => {
    it('fails when the event is not in Delius for the message CRN', async () => {
      expect(await failure(applyAllocation(db, allocationRequest('EVENT', { eventNumber: 7 })))).toEqual(
        fatal('not-found', 'Event 7 not found for crn X123456'),
      );
      await expectNothingWritten();
    });

    it('fails when the event is not active', async () => {
      expect(await failure(applyAllocation(db, allocationRequest('EVENT', { eventNumber: 99 })))).toEqual(
        fatal('not-active', 'Event with number of 99 not active'),
      );
      await expectNothingWritten();
    });

    it('fails when nobody manages the event at createdDate', async () => {
      const outcome = applyAllocation(
        db,
        allocationRequest('EVENT', { createdDate: '2021-01-01T00:00:00Z' }),
      );
      expect(await failure(outcome)).toEqual(
        fatal('not-found', 'Order Manager for event 2 of crn X123456 at 2021-01-01T00:00:00 not found'),
      );
    });

    it('is a duplicate, before any transfer check, when the same staff and team already manage the event', async () => {
      await data.fixtures.transfer('EVENT', data.events[2].id);
      expect(
        await applyAllocation(db, allocationRequest('EVENT', { staffCode: 'N02UATU', teamCode: 'N02UAT' })),
      ).toMatchObject({ status: 'duplicate' });
      expect(await writtenRowCounts(db)).toEqual(before);
    });

    it('is ignored while a transfer is pending, naming the event number', async () => {
      await data.fixtures.transfer('EVENT', data.events[2].id);
      expect(await applyAllocation(db, allocationRequest('EVENT'))).toEqual(
        ignored('Pending transfer exists in Delius', { eventNumber: '2' }),
      );
      await expectNothingWritten();
    });

    it('fails when the CASE ORDER transfer reason is missing', async () => {
      await db.models.TransferReason.destroy({ where: { code: 'CASE ORDER' } });
      expect(await failure(applyAllocation(db, allocationRequest('EVENT')))).toEqual(
        fatal('not-found', 'Transfer reason with code of CASE ORDER not found'),
      );
      await expectNothingWritten();
    });

    it('fails when the SPO is not in Delius', async () => {
      expect(
        await failure(applyAllocation(db, allocationRequest('EVENT', { spoStaffCode: 'N02NOPE' }))),
      ).toEqual(fatal('not-found', 'SPO Staff with code of N02NOPE not found'));
      await expectNothingWritten();
    });

    it('fails without a CRN in the message (M3), before the audited work, so no audit row is written', async () => {
      expect(await failure(applyAllocation(db, allocationRequest('EVENT', {}, null)))).toEqual(
        fatal('invalid-message', 'No CRN available in person reference'),
      );
      expect(await auditRows(db)).toEqual([]);
    });
  });

  describe.each([
    ['REQUIREMENT', 'Requirement', 9001, 'requirementId', 'Requirement not found or soft deleted in delius'],
    [
      'LICENCE_CONDITION',
      'Licence Condition',
      8001,
      'licenceConditionId',
      'Licence condition not found or soft deleted in delius',
    ],
  ] as const)('%s', (kind, label, id, idField, missing) => {
    const update = async (values: { activeFlag?: number; softDeleted?: number }) => {
      if (kind === 'REQUIREMENT') await db.models.Requirement.update(values, { where: { id } });
      else await db.models.LicenceCondition.update(values, { where: { id } });
    };

    it('is ignored when it is not in Delius, or soft deleted', async () => {
      expect(await applyAllocation(db, allocationRequest(kind, { [idField]: 33 }))).toEqual(
        ignored(missing, { id: '33' }),
      );
      await update({ softDeleted: 1 });
      expect(await applyAllocation(db, allocationRequest(kind))).toEqual(
        ignored(missing, { id: String(id) }),
      );
      expect(await writtenRowCounts(db)).toEqual(before);
    });

    it('fails when it belongs to another person', async () => {
      expect(await failure(applyAllocation(db, allocationRequest(kind, {}, 'T123456')))).toEqual(
        fatal('conflict', `${label} ${id} not for T123456`),
      );
      await expectNothingWritten();
    });

    it('fails when it belongs to another event', async () => {
      expect(await failure(applyAllocation(db, allocationRequest(kind, { eventNumber: 2 })))).toEqual(
        fatal('conflict', `${label} ${id} not for event 2`),
      );
    });

    it('fails when its sentence or event is not active', async () => {
      await db.models.Disposal.update({ activeFlag: 0 }, { where: { id: data.events[1].disposalId } });
      expect(await failure(applyAllocation(db, allocationRequest(kind)))).toEqual(
        fatal('not-active', 'Event with number of 1 not active'),
      );
      await db.models.Disposal.update({ activeFlag: 1 }, { where: { id: data.events[1].disposalId } });
      await db.models.Event.update({ activeFlag: 0 }, { where: { id: data.events[1].id } });
      expect(await failure(applyAllocation(db, allocationRequest(kind)))).toEqual(
        fatal('not-active', 'Event with number of 1 not active'),
      );
    });

    it('fails when it is not active', async () => {
      await update({ activeFlag: 0 });
      expect(await failure(applyAllocation(db, allocationRequest(kind)))).toEqual(
        fatal('not-active', `${label} with id of ${id} not active`),
      );
    });

    it('fails when nobody manages it at createdDate', async () => {
      const outcome = applyAllocation(db, allocationRequest(kind, { createdDate: '2021-01-01T00:00:00Z' }));
      expect(await failure(outcome)).toEqual(
        fatal(
          'not-found',
          `${label} Manager for ${label.toLowerCase()} ${id} at 2021-01-01T00:00:00 not found`,
        ),
      );
    });

    it('is a duplicate when the same staff and team already manage it', async () => {
      expect(
        await applyAllocation(db, allocationRequest(kind, { staffCode: 'N02UATU', teamCode: 'N02UAT' })),
      ).toMatchObject({ status: 'duplicate' });
      expect(await writtenRowCounts(db)).toEqual(before);
    });

    it('is ignored while a transfer is pending, naming the event and categories', async () => {
      await data.fixtures.transfer(kind, id);
      const expected =
        kind === 'REQUIREMENT'
          ? { eventNumber: '1', mainCategory: 'Accredited Programme (West Yorkshire)' }
          : { eventNumber: '1', mainCategory: 'Freedom of movement' };
      expect(await applyAllocation(db, allocationRequest(kind))).toEqual(
        ignored('Pending transfer exists in Delius', expected),
      );
      await expectNothingWritten();
    });

    it('fails when the COMPONENT transfer reason is missing', async () => {
      await db.models.TransferReason.destroy({ where: { code: 'COMPONENT' } });
      expect(await failure(applyAllocation(db, allocationRequest(kind)))).toEqual(
        fatal('not-found', 'Transfer reason with code of COMPONENT not found'),
      );
      await expectNothingWritten();
    });
  });

  it('reports the sub-category of a pending transfer when there is one', async () => {
    await data.fixtures.transfer('REQUIREMENT', 9003);
    await data.fixtures.transfer('LICENCE_CONDITION', 8003);
    expect(await applyAllocation(db, allocationRequest('REQUIREMENT', { requirementId: 9003 }))).toEqual(
      ignored('Pending transfer exists in Delius', {
        eventNumber: '1',
        mainCategory: 'Accredited Programme',
        subCategory: 'Not Specified',
      }),
    );
    expect(
      await applyAllocation(db, allocationRequest('LICENCE_CONDITION', { licenceConditionId: 8003 })),
    ).toEqual(
      ignored('Pending transfer exists in Delius', {
        eventNumber: '1',
        mainCategory: 'Freedom of movement',
        subCategory: 'Exclusion zone',
      }),
    );
  });

  describe('validation of the target (V1–V7)', () => {
    it('fails when the team is not in Delius', async () => {
      expect(await failure(applyAllocation(db, allocationRequest('PERSON', { teamCode: 'N02NOP' })))).toEqual(
        fatal('not-found', 'Team with code of N02NOP not found'),
      );
      await expectNothingWritten();
    });

    it('ignores a transfer to a team of another provider', async () => {
      const [n02, n03] = await Promise.all([
        db.models.Provider.findOne({ where: { code: 'N02' } }),
        db.models.Provider.findOne({ where: { code: 'N03' } }),
      ]);
      expect(
        await applyAllocation(db, allocationRequest('PERSON', { teamCode: 'N03AAA', staffCode: 'N03AAA1' })),
      ).toEqual(
        ignored('External transfer not permitted', {
          fromProvider: String(n02?.get({ plain: true }).id),
          toProvider: String(n03?.get({ plain: true }).id),
        }),
      );
      await expectNothingWritten();
    });

    it('ignores a team that had ended before createdDate, and accepts one that ends later', async () => {
      await data.fixtures.team({
        code: 'N02OLD',
        description: 'Old team',
        provider: 'N02',
        endDate: new Date(Date.UTC(2022, 6, 27)),
      });
      await data.fixtures.team({
        code: 'N02END',
        description: 'Ending team',
        provider: 'N02',
        endDate: new Date(Date.UTC(2022, 7, 1)),
      });
      await data.fixtures.staff({
        code: 'N02OLD1',
        forename: 'Olde',
        surname: 'Teame',
        teams: ['N02OLD', 'N02END'],
      });
      expect(
        await applyAllocation(db, allocationRequest('PERSON', { teamCode: 'N02OLD', staffCode: 'N02OLD1' })),
      ).toEqual(ignored('Team is not active', { teamCode: 'N02OLD', endDate: '2022-07-27' }));
      expect(
        await applyAllocation(db, allocationRequest('PERSON', { teamCode: 'N02END', staffCode: 'N02OLD1' })),
      ).toMatchObject({ status: 'applied' });
    });

    it('fails when the reason code is missing from its dataset', async () => {
      await db.models.ReferenceData.destroy({ where: { code: 'RTS' } });
      expect(
        await failure(
          applyAllocation(db, allocationRequest('PERSON', { allocationReason: 'RISK_TO_STAFF' })),
        ),
      ).toEqual(fatal('not-found', 'OM ALLOCATION REASON with code of RTS not found'));
      await expectNothingWritten();
    });

    it('fails when the staff member is not in Delius', async () => {
      expect(
        await failure(applyAllocation(db, allocationRequest('PERSON', { staffCode: 'N02NOPE' }))),
      ).toEqual(fatal('not-found', 'Staff with code of N02NOPE not found'));
    });

    it('fails when the staff member had left before createdDate, and accepts one who leaves later', async () => {
      await data.fixtures.staff({
        code: 'N02GONE',
        forename: 'Gone',
        surname: 'Before',
        teams: ['N02ABS'],
        endDate: new Date(Date.UTC(2022, 6, 1)),
      });
      await data.fixtures.staff({
        code: 'N02LATE',
        forename: 'Leaving',
        surname: 'Later',
        teams: ['N02ABS'],
        endDate: new Date(Date.UTC(2022, 8, 1)),
      });
      expect(
        await failure(applyAllocation(db, allocationRequest('PERSON', { staffCode: 'N02GONE' }))),
      ).toEqual(fatal('not-active', 'Staff with code of N02GONE not active'));
      expect(await applyAllocation(db, allocationRequest('PERSON', { staffCode: 'N02LATE' }))).toMatchObject({
        status: 'applied',
      });
    });

    it('fails when the staff member is not in the team', async () => {
      expect(
        await failure(applyAllocation(db, allocationRequest('PERSON', { staffCode: 'N02UATU' }))),
      ).toEqual(fatal('conflict', 'Staff N02UATU not in Team N02ABS'));
      await expectNothingWritten();
    });
  });

  it('fails when createdDate is the current manager start, to the second (C4)', async () => {
    const outcome = applyAllocation(
      db,
      allocationRequest('PERSON', { createdDate: '2022-07-01T10:30:00.999+01:00' }),
    );
    expect(await failure(outcome)).toEqual(
      fatal('conflict', 'Allocation date conflicts with the current active manager'),
    );
    await expectNothingWritten();
  });
});
