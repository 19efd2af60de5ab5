// Every example message, published to SNS, through SQS, the connector, the processor and the sink, to Delius.
import { iapsEventRecordSchema } from '../../src/domain/topic-records.ts';
import { dialectOf } from '../../src/db/sequelize.ts';
import { examplePairs, oracleDoubleBackend } from '../support/delius.ts';
import { contactsOf, managerHistory, writtenRowCounts } from '../support/delius-queries.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';

/** Applied one after another on one Delius, later examples for an owner already allocated are duplicates (S1). */
const expected: Record<string, { status: 'applied' | 'duplicate'; kind: string; crn: string }> = {
  'person-allocation-message.json': { status: 'applied', kind: 'PERSON', crn: 'T123456' },
  'person-allocation-historic-message.json': { status: 'applied', kind: 'PERSON', crn: 'T223456' },
  'person-reallocation-message.json': { status: 'applied', kind: 'PERSON', crn: 'X123456' },
  'person-allocation-by-id-message.json': { status: 'duplicate', kind: 'PERSON', crn: 'X123456' },
  'event-allocation-message.json': { status: 'applied', kind: 'EVENT', crn: 'X123456' },
  'event-allocation-historic-message.json': { status: 'applied', kind: 'EVENT', crn: 'X123456' },
  'event-reallocation-message.json': { status: 'duplicate', kind: 'EVENT', crn: 'X123456' },
  'event-reallocation-spo-oversight-message.json': { status: 'duplicate', kind: 'EVENT', crn: 'X123456' },
  'event-allocation-by-id-message.json': { status: 'applied', kind: 'EVENT', crn: 'X123456' },
  'requirement-allocation-message.json': { status: 'applied', kind: 'REQUIREMENT', crn: 'X123456' },
  'requirement-allocation-historic-message.json': { status: 'applied', kind: 'REQUIREMENT', crn: 'X123456' },
  'requirement-reallocation-message.json': { status: 'applied', kind: 'REQUIREMENT', crn: 'X123456' },
  'licence-condition-allocation-message.json': {
    status: 'applied',
    kind: 'LICENCE_CONDITION',
    crn: 'X123456',
  },
  'licence-condition-allocation-historic-message.json': {
    status: 'applied',
    kind: 'LICENCE_CONDITION',
    crn: 'X123456',
  },
  'licence-condition-reallocation-message.json': {
    status: 'applied',
    kind: 'LICENCE_CONDITION',
    crn: 'X123456',
  },
};

describe('the example messages through the whole pipeline', () => {
  const scope = testScope('e2e-examples');
  let pipeline: TestPipeline;
  beforeAll(async () => {
    pipeline = await testPipeline(scope);
  });
  afterAll(async () => {
    await pipeline.close();
    await scope.close();
  });

  it('applies each example to Delius and publishes the IAPS events of the flags it sets', async () => {
    const { db, data } = pipeline.delius;
    // In the oracle-double project the sink speaks Oracle (through the double), as in production.
    expect(dialectOf(pipeline.config.DATABASE_URL ?? '')).toBe(oracleDoubleBackend ? 'oracle' : 'postgres');
    for (const [message] of examplePairs) {
      const messageId = await pipeline.publishExample(message);
      const outcome = await eventually(() => pipeline.outcomeOf('sink', messageId) ?? false);
      expect({ message, status: outcome.status, ...outcome.subject }).toMatchObject({
        message,
        ...expected[message],
      });
      expect(pipeline.outcomeOf('processor', messageId)).toMatchObject({
        status: 'applied',
        subject: { kind: expected[message]?.kind },
      });
    }

    expect(pipeline.sourceOutcomes.map((outcome) => outcome.status)).toEqual(
      examplePairs.map(() => 'applied'),
    );
    expect(
      (await managerHistory(db, 'PERSON', data.people.T123456.id)).map((period) => period.staff),
    ).toEqual(['N02UATU', 'N02ABS1']);
    expect((await managerHistory(db, 'PERSON', data.people.X123456.id)).at(-1)).toMatchObject({
      staff: 'N02ABS1',
      reason: 'AR03',
    });
    expect(
      (await managerHistory(db, 'PERSON', data.people.T223456.id)).map((period) => period.staff),
    ).toEqual(['N02UATU', 'N02ABS1', 'N02UATU']);
    for (const [kind, id] of [
      ['EVENT', data.events[1].id],
      ['EVENT', data.events[2].id],
      ['REQUIREMENT', 9001],
      ['REQUIREMENT', 9003],
      ['LICENCE_CONDITION', 8001],
      ['LICENCE_CONDITION', 8003],
    ] as const) {
      expect((await managerHistory(db, kind, id)).map((period) => [period.staff, period.end])).toEqual([
        ['N02UATU', '2022-07-28 10:30:54'],
        ['N02ABS1', null],
      ]);
    }
    const contacts = (await contactsOf(db, data.people.X123456.id)).map((contact) => contact.type);
    expect(contacts.sort()).toEqual(
      [
        'ETOM',
        'ETOS',
        'ETOS',
        'ETOS',
        'ETRC',
        'ETRC',
        'ETRC',
        'ETRC',
        'ETRC',
        'ETRC',
        'ROC',
        'SPOD03',
        'SPOD03',
        'SPOD03',
      ].sort(),
    );

    // Re-applied: the by-id person example re-emits the flag its allocation implies (at least once).
    const iaps = await pipeline.readAll(pipeline.config.IAPS_EVENTS_TOPIC);
    const events = iaps.map((record) => ({ key: record.key, ...iapsEventRecordSchema.parse(record.value) }));
    const order = (event: { table: string }) =>
      ['IAPS_OFFENDER', 'IAPS_EVENT', 'IAPS_RQMNT'].indexOf(event.table);
    expect(
      events
        .map(({ key, crn, table, id, iapsFlag }) => ({ key, crn, table, id, iapsFlag }))
        .sort((a, b) => order(a) - order(b)),
    ).toEqual([
      { key: 'X123456', crn: 'X123456', table: 'IAPS_OFFENDER', id: data.people.X123456.id, iapsFlag: 1 },
      { key: 'X123456', crn: 'X123456', table: 'IAPS_OFFENDER', id: data.people.X123456.id, iapsFlag: 1 },
      { key: 'X123456', crn: 'X123456', table: 'IAPS_EVENT', id: data.events[1].id, iapsFlag: 1 },
      { key: 'X123456', crn: 'X123456', table: 'IAPS_RQMNT', id: 9001, iapsFlag: 1 },
    ]);
    const counts = await writtenRowCounts(db);
    expect(counts.iaps).toBe(3);
  });
});
