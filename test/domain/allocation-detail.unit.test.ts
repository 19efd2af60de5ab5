import { crnOf, parseNotification } from '../../src/domain/domain-event.ts';
import { kindOf, parseAllocationDetail } from '../../src/domain/allocation-detail.ts';
import { readExample } from '../support/delius.ts';

describe('the allocation detail (rules §4)', () => {
  it('decides the kind from the body keys in a fixed order (§4.1, A4)', () => {
    expect(kindOf({ crn: 'X', requirementId: 1 })).toBe('PERSON');
    expect(kindOf({ requirementId: 1, licenceConditionId: 2, eventNumber: 1 })).toBe('REQUIREMENT');
    expect(kindOf({ licenceConditionId: 2, eventNumber: 1 })).toBe('LICENCE_CONDITION');
    expect(kindOf({ eventNumber: 1 })).toBe('EVENT');
  });

  it.each([
    ['person-allocation-details.json', 'PERSON'],
    ['person-allocation-details-by-id.json', 'PERSON'],
    ['event-allocation-details.json', 'EVENT'],
    ['event-allocation-details-reallocation-spo-oversight.json', 'EVENT'],
    ['requirement-allocation-details.json', 'REQUIREMENT'],
    ['licence-condition-allocation-details.json', 'LICENCE_CONDITION'],
  ])('accepts the example %s as %s, ignoring unknown fields', async (file, kind) => {
    const parsed = parseAllocationDetail(await readExample(file));
    expect(parsed.kind).toBe(kind);
    expect(parsed.detail).not.toHaveProperty('createdBy');
  });

  it('rejects a body missing a required field or with an unknown reason, naming the field (D6)', () => {
    expect(() =>
      parseAllocationDetail({
        id: 'x',
        teamCode: 'N02ABS',
        createdDate: '2022-07-28T10:30:54+01:00',
        crn: 'X1',
      }),
    ).toThrow(/staffCode/);
    expect(() =>
      parseAllocationDetail({
        id: 'x',
        staffCode: 'S',
        teamCode: 'T',
        createdDate: '2022-07-28T10:30:54+01:00',
        eventNumber: 1,
        allocationReason: 'BORED',
      }),
    ).toThrow(/allocationReason/);
    expect(() =>
      parseAllocationDetail({
        id: 'x',
        staffCode: 'S',
        teamCode: 'T',
        createdDate: '2022-07-28T10:30:54',
        eventNumber: 1,
      }),
    ).toThrow(/createdDate/);
    expect(() => parseAllocationDetail([1, 2])).toThrow();
  });

  it('treats a null reason as an initial allocation', () => {
    const parsed = parseAllocationDetail({
      id: 'x',
      staffCode: 'S',
      teamCode: 'T',
      createdDate: '2022-07-28T10:30:54Z',
      eventNumber: 1,
      allocationReason: null,
    });
    expect(parsed.detail.allocationReason).toBeNull();
  });

  it.each(['x123456', 'X12345', 'X1234567', 'X'.repeat(240_000)])(
    'refuses a person allocation for something that is not a CRN: %s',
    (crn) => {
      expect(() =>
        parseAllocationDetail({
          id: 'a',
          staffCode: 'N02ABS1',
          teamCode: 'N02ABS',
          createdDate: '2022-07-28T10:30:54Z',
          crn,
        }),
      ).toThrow('a CRN is a capital letter and six digits');
    },
  );
});

describe('the domain event at the edge', () => {
  const event = (crn: string) =>
    JSON.stringify({
      Message: JSON.stringify({
        eventType: 'event.manager.allocated',
        version: 1,
        personReference: { identifiers: [{ type: 'CRN', value: crn }] },
      }),
    });

  it('takes a CRN as Delius writes it', () => {
    expect(crnOf(parseNotification(event('X123456')).event)).toBe('X123456');
  });

  it.each([
    ['too long', 'X'.repeat(240_000)],
    ['of another form', 'X123456; DROP'],
  ])('refuses a CRN that is %s, before it could become a partition key', (_case, crn) => {
    expect(() => parseNotification(event(crn))).toThrow();
  });

  it('refuses a message id, which may become a partition key, longer than a UUID could be', () => {
    const body = JSON.stringify({
      MessageId: 'm'.repeat(240_000),
      Message: JSON.stringify({ eventType: 'event.manager.allocated', version: 1 }),
    });
    expect(() => parseNotification(body)).toThrow();
  });

  it('refuses a version Avro could not carry', () => {
    const body = JSON.stringify({
      Message: JSON.stringify({ eventType: 'event.manager.allocated', version: 3_000_000_000 }),
    });
    expect(() => parseNotification(body)).toThrow();
  });
});
