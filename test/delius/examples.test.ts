// Rules §15, T1–T14: each example message and detail body applied to the example data of delius-model.md §5.
import { applyAllocation } from '../../src/delius/apply-allocation.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { caseloadRebuildCalls } from '../../infra/delius-schema/build-schema.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import { exampleRequest, testDelius } from '../support/delius.ts';
import {
  auditRows,
  contactsOf,
  iapsFlags,
  managerHistory,
  responsibleOfficers,
  text,
} from '../support/delius-queries.ts';
import { testScope } from '../support/isolation.ts';

const createdDate = '2022-07-28 10:30:54';
const fixtureStart = '2022-07-01 10:30:00';
const transferNotes = [
  'Transfer Reason: Internal Transfer',
  'Transfer Date: 28/07/2022',
  'From Trust: NPS North East',
  'From Team: Unallocated Team(N02)',
  'From Officer: Unallocated Staff',
  '-------------------------------/',
  '',
  '',
].join('\n');

describe('the example allocations (docs/delius-rules.md §15)', () => {
  const scope = testScope('examples');
  afterAll(() => scope.close());

  let db: DeliusDb;
  let data: Awaited<ReturnType<typeof seedExampleData>>;
  beforeEach(async () => {
    db = await testDelius(scope);
    data = await seedExampleData(db.models);
  });
  const yesterday = () => text(data.yesterday);

  it('T1 allocates a new person manager, replaces the responsible officer and writes ROC and ETOM contacts', async () => {
    const outcome = await applyAllocation(
      db,
      await exampleRequest('person-allocation-message.json', 'person-allocation-details.json'),
    );
    const personId = data.people.T123456.id;

    expect(outcome).toMatchObject({
      status: 'applied',
      subject: { kind: 'PERSON', crn: 'T123456', personId },
    });
    expect(await managerHistory(db, 'PERSON', personId)).toEqual([
      expect.objectContaining({
        staff: 'N02UATU',
        team: 'N02UAT',
        start: fixtureStart,
        end: createdDate,
        active: 0,
        rowVersion: 1,
      }),
      expect.objectContaining({
        staff: 'N02ABS1',
        team: 'N02ABS',
        start: createdDate,
        end: null,
        active: 1,
        reason: 'IN1',
        rowVersion: 0,
      }),
    ]);
    const [, newManager] = await managerHistory(db, 'PERSON', personId);
    expect(await responsibleOfficers(db, personId)).toEqual([
      { managerId: data.people.T123456.managerIds[0], prison: false, start: fixtureStart, end: createdDate },
      { managerId: newManager?.id, prison: false, start: createdDate, end: null },
    ]);
    const contacts = await contactsOf(db, personId);
    expect(contacts.map((contact) => contact.type)).toEqual(['ROC', 'ETOM']);
    expect(contacts[0]).toMatchObject({
      staff: 'N02ABS1',
      team: 'N02ABS',
      eventId: null,
      date: '2022-07-28 00:00:00',
      startTime: createdDate,
      sensitive: 'N',
      notes: [
        'New Details:',
        'Responsible Officer Type: Offender Manager',
        'Responsible Officer: Joe Bloggs(Allocation Team(N02),NPS North East)',
        'Start Date: 28/07/2022 10:30:54',
        'Previous Details:',
        'Responsible Officer Type: Offender Manager',
        'Responsible Officer: Unallocated Staff(Unallocated Team(N02),NPS North East)',
        'Start Date: 01/07/2022 10:30:00',
        'End Date: 28/07/2022 10:30:54',
        'Allocation Reason: Initial Allocation',
      ].join('\n'),
    });
    expect(contacts[1]).toMatchObject({
      staff: 'N02ABS1',
      team: 'N02ABS',
      date: '2022-07-28 00:00:00',
      startTime: createdDate,
      notes: transferNotes,
    });
    expect(await caseloadRebuildCalls(db.sequelize)).toEqual([personId]);
    expect(await auditRows(db)).toEqual([
      {
        interaction: 'CABI231',
        outcome: 'P',
        parameters: `offenderId='${personId}'`,
        userId: db.auditUser.id,
      },
    ]);
    expect((await iapsFlags(db)).IAPS_OFFENDER).toEqual([]);
  });

  it('T2 puts a historic person allocation into the history and leaves the current manager in place', async () => {
    const outcome = await applyAllocation(
      db,
      await exampleRequest(
        'person-allocation-historic-message.json',
        'person-allocation-details-historic.json',
      ),
    );
    const person = data.people.T223456;
    expect(outcome).toMatchObject({ status: 'applied', subject: { crn: 'T223456' } });
    expect(await managerHistory(db, 'PERSON', person.id)).toEqual([
      expect.objectContaining({ staff: 'N02UATU', start: fixtureStart, end: createdDate, active: 0 }),
      expect.objectContaining({ staff: 'N02ABS1', start: createdDate, end: yesterday(), active: 0 }),
      expect.objectContaining({ staff: 'N02UATU', start: yesterday(), end: null, active: 1, rowVersion: 0 }),
    ]);
    expect(await responsibleOfficers(db, person.id)).toEqual([
      expect.objectContaining({ start: fixtureStart, end: createdDate }),
      expect.objectContaining({ start: createdDate, end: yesterday() }),
      expect.objectContaining({ managerId: person.managerIds[1], start: yesterday(), end: null }),
    ]);
  });

  it('T3 re-allocates the person named in the detail, with the reason code AR03', async () => {
    const outcome = await applyAllocation(
      db,
      await exampleRequest('person-reallocation-message.json', 'person-allocation-details-reallocation.json'),
    );
    // S2: the message says T123456, the detail X123456; the detail decides.
    expect(outcome).toMatchObject({
      status: 'applied',
      subject: { crn: 'X123456', personId: data.people.X123456.id },
    });
    const history = await managerHistory(db, 'PERSON', data.people.X123456.id);
    expect(history.find((manager) => manager.staff === 'N02ABS1')).toMatchObject({
      reason: 'AR03',
      start: createdDate,
    });
    expect(await managerHistory(db, 'PERSON', data.people.T123456.id)).toHaveLength(1);
    const roc = (await contactsOf(db, data.people.X123456.id)).find((contact) => contact.type === 'ROC');
    expect(roc?.notes).toMatch(/\nAllocation Reason: Change of Address$/);
  });

  it('T4 allocates a new order manager with an SPOD03 oversight contact by the SPO', async () => {
    const outcome = await applyAllocation(
      db,
      await exampleRequest('event-allocation-message.json', 'event-allocation-details.json'),
    );
    const event = data.events[2];
    expect(outcome).toMatchObject({ status: 'applied', subject: { kind: 'EVENT', crn: 'X123456' } });
    expect(await managerHistory(db, 'EVENT', event.id)).toEqual([
      expect.objectContaining({ staff: 'N02UATU', end: createdDate, active: 0 }),
      expect.objectContaining({
        staff: 'N02ABS1',
        team: 'N02ABS',
        start: createdDate,
        end: null,
        reason: 'INT',
        transferReason: 'CASE ORDER',
      }),
    ]);
    const contacts = await contactsOf(db, data.people.X123456.id);
    expect(contacts.map((contact) => [contact.type, contact.eventId])).toEqual([
      ['ETOS', event.id],
      ['SPOD03', event.id],
    ]);
    expect(contacts[0]?.notes).toBe(transferNotes);
    // No oversight notes and no sensitivity in the payload: the contact is sensitive (S10).
    expect(contacts[1]).toMatchObject({
      staff: 'N02ABSX',
      team: 'N02ABS',
      startTime: createdDate,
      notes: null,
      sensitive: 'Y',
    });
    expect(await auditRows(db)).toEqual([
      expect.objectContaining({
        interaction: 'CABI041',
        outcome: 'P',
        parameters: `offenderId='${data.people.X123456.id}',eventId='${event.id}'`,
      }),
    ]);
    expect(await caseloadRebuildCalls(db.sequelize)).toEqual([data.people.X123456.id]);
  });

  it('T5 puts a historic order manager into the history, with the oversight contact by the new manager', async () => {
    await applyAllocation(
      db,
      await exampleRequest(
        'event-allocation-historic-message.json',
        'event-allocation-details-historic.json',
      ),
    );
    expect(await managerHistory(db, 'EVENT', data.events[3].id)).toEqual([
      expect.objectContaining({ staff: 'N02UATU', start: fixtureStart, end: createdDate }),
      expect.objectContaining({ staff: 'N02ABS1', start: createdDate, end: yesterday(), active: 0 }),
      expect.objectContaining({ staff: 'N02UATU', start: yesterday(), end: null, active: 1 }),
    ]);
    const spo = (await contactsOf(db, data.people.X123456.id)).find((contact) => contact.type === 'SPOD03');
    expect(spo).toMatchObject({ staff: 'N02ABS1', sensitive: 'Y', eventId: data.events[3].id });
  });

  it('T6 writes the oversight notes and their sensitivity to the SPOD03 contact, and flags the event for IAPS', async () => {
    const outcome = await applyAllocation(
      db,
      await exampleRequest('event-allocation-by-id-message.json', 'event-allocation-details-by-id.json'),
    );
    const spo = (await contactsOf(db, data.people.X123456.id)).find((contact) => contact.type === 'SPOD03');
    expect(spo).toMatchObject({
      staff: 'N02ABS1',
      sensitive: 'N',
      notes: 'Spo oversight notes',
      eventId: data.events[1].id,
    });
    // Event 1 carries requirement 9001 (RM38), an active accredited programme.
    expect(outcome).toMatchObject({
      status: 'applied',
      result: { changes: { iaps: [{ table: 'IAPS_EVENT', id: data.events[1].id }] } },
    });
    expect((await iapsFlags(db)).IAPS_EVENT).toEqual([[data.events[1].id, 1]]);
  });

  it('T7 gives a re-allocated order manager the reason OA01 and no oversight contact without notes', async () => {
    await applyAllocation(
      db,
      await exampleRequest('event-reallocation-message.json', 'event-allocation-details-reallocation.json'),
    );
    const history = await managerHistory(db, 'EVENT', data.events[2].id);
    expect(history.at(-1)).toMatchObject({ staff: 'N02ABS1', reason: 'OA01' });
    expect((await contactsOf(db, data.people.X123456.id)).map((contact) => contact.type)).toEqual(['ETOS']);
  });

  it('T8 writes the SPO contact of a re-allocation with oversight notes verbatim (A1)', async () => {
    await applyAllocation(
      db,
      await exampleRequest(
        'event-reallocation-spo-oversight-message.json',
        'event-allocation-details-reallocation-spo-oversight.json',
      ),
    );
    const spo = (await contactsOf(db, data.people.X123456.id)).find((contact) => contact.type === 'SPO');
    expect(spo).toMatchObject({
      staff: 'N02ABSX',
      notes: 'SPO oversight notes',
      sensitive: 'Y',
      eventId: data.events[2].id,
    });
  });

  it('T9 allocates a new requirement manager with an ETRC contact and flags the accredited programme for IAPS', async () => {
    const outcome = await applyAllocation(
      db,
      await exampleRequest('requirement-allocation-message.json', 'requirement-allocation-details.json'),
    );
    expect(outcome).toMatchObject({
      status: 'applied',
      subject: { kind: 'REQUIREMENT' },
      result: { changes: { iaps: [{ table: 'IAPS_RQMNT', id: 9001 }] } },
    });
    expect(await managerHistory(db, 'REQUIREMENT', 9001)).toEqual([
      expect.objectContaining({ staff: 'N02UATU', end: createdDate, active: 0 }),
      expect.objectContaining({
        staff: 'N02ABS1',
        start: createdDate,
        end: null,
        reason: 'IN1',
        transferReason: 'COMPONENT',
      }),
    ]);
    const contacts = await contactsOf(db, data.people.X123456.id);
    expect(contacts).toEqual([
      expect.objectContaining({
        type: 'ETRC',
        eventId: data.events[1].id,
        requirementId: 9001,
        licenceConditionId: null,
        notes: transferNotes,
      }),
    ]);
    expect((await iapsFlags(db)).IAPS_RQMNT).toEqual([[9001, 1]]);
    expect(await auditRows(db)).toEqual([
      expect.objectContaining({
        interaction: 'CABI038',
        parameters: `offenderId='${data.people.X123456.id}',eventId='${data.events[1].id}',requirementId='9001'`,
      }),
    ]);
  });

  it('T10 puts a historic requirement manager into the history', async () => {
    await applyAllocation(
      db,
      await exampleRequest(
        'requirement-allocation-historic-message.json',
        'requirement-allocation-details-historic.json',
      ),
    );
    expect(await managerHistory(db, 'REQUIREMENT', 9002)).toEqual([
      expect.objectContaining({ staff: 'N02UATU', end: createdDate }),
      expect.objectContaining({ staff: 'N02ABS1', start: createdDate, end: yesterday(), active: 0 }),
      expect.objectContaining({ staff: 'N02UATU', start: yesterday(), end: null }),
    ]);
    expect((await iapsFlags(db)).IAPS_RQMNT).toEqual([]);
  });

  it('T11 gives a re-allocated requirement manager the reason OM', async () => {
    await applyAllocation(
      db,
      await exampleRequest(
        'requirement-reallocation-message.json',
        'requirement-allocation-details-reallocation.json',
      ),
    );
    expect((await managerHistory(db, 'REQUIREMENT', 9003)).at(-1)).toMatchObject({
      staff: 'N02ABS1',
      reason: 'OM',
    });
    // 9003 is main category 7 with sub-category RS66 ("not specified"): not an accredited programme.
    expect((await iapsFlags(db)).IAPS_RQMNT).toEqual([]);
  });

  it('T12 allocates a new licence-condition manager with an ETRC contact and no IAPS flag', async () => {
    const outcome = await applyAllocation(
      db,
      await exampleRequest(
        'licence-condition-allocation-message.json',
        'licence-condition-allocation-details.json',
      ),
    );
    expect(outcome).toMatchObject({
      status: 'applied',
      subject: { kind: 'LICENCE_CONDITION' },
      result: { changes: { iaps: [] } },
    });
    expect(await managerHistory(db, 'LICENCE_CONDITION', 8001)).toEqual([
      expect.objectContaining({ staff: 'N02UATU', end: createdDate, active: 0 }),
      expect.objectContaining({
        staff: 'N02ABS1',
        start: createdDate,
        end: null,
        reason: 'IN1',
        transferReason: 'COMPONENT',
      }),
    ]);
    expect(await contactsOf(db, data.people.X123456.id)).toEqual([
      expect.objectContaining({
        type: 'ETRC',
        eventId: data.events[1].id,
        requirementId: null,
        licenceConditionId: 8001,
      }),
    ]);
    // S7 kept for the audit: the licence condition's id goes under the original's key.
    expect((await auditRows(db))[0]?.parameters).toBe(
      `offenderId='${data.people.X123456.id}',eventId='${data.events[1].id}',requirementId='8001'`,
    );
  });

  it('T13 puts a historic licence-condition manager into the history', async () => {
    await applyAllocation(
      db,
      await exampleRequest(
        'licence-condition-allocation-historic-message.json',
        'licence-condition-allocation-details-historic.json',
      ),
    );
    expect(await managerHistory(db, 'LICENCE_CONDITION', 8002)).toEqual([
      expect.objectContaining({ staff: 'N02UATU', end: createdDate }),
      expect.objectContaining({ staff: 'N02ABS1', start: createdDate, end: yesterday(), active: 0 }),
      expect.objectContaining({ staff: 'N02UATU', start: yesterday(), end: null }),
    ]);
  });

  it('T14 gives a re-allocated licence-condition manager the reason OM from the LC dataset', async () => {
    await applyAllocation(
      db,
      await exampleRequest(
        'licence-condition-reallocation-message.json',
        'licence-condition-allocation-details-reallocation.json',
      ),
    );
    expect((await managerHistory(db, 'LICENCE_CONDITION', 8003)).at(-1)).toMatchObject({
      staff: 'N02ABS1',
      reason: 'OM',
    });
  });
});
