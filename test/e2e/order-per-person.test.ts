// Order per person (README, "Order per person"): a person's allocations that reach Kafka in any order within the
// order window leave Delius exactly as the same allocations arriving in the order they were made.
import { allocationKinds, type AllocationKind } from '../../src/domain/allocation-detail.ts';
import { allocationEventTypes } from '../../src/domain/event-types.ts';
import type { AllocationRecord } from '../../src/domain/topic-records.ts';
import { createSchemaRegistry } from '../../src/kafka/avro-schemas.ts';
import { createProducer, publisherOf } from '../../src/kafka/publisher.ts';
import { avroSerde } from '../../src/kafka/serde.ts';
import type { Emit } from '../../src/kafka/stage.ts';
import { fixtureStart, unallocated } from '../../infra/delius-schema/example-data.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { contactsOf, managerHistory, responsibleOfficers } from '../support/delius-queries.ts';
import { eventually } from '../support/eventually.ts';
import { testScope, type TestScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';

/** Four allocations of each owner, to A, X, A, X: any reordering shows in the history. */
const rounds = [0, 1, 2, 3] as const;
const staffOf = (round: number) => (round % 2 === 0 ? 'N02ABS1' : 'N02ABSX');

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

interface Owners {
  readonly crn: string;
  readonly personId: number;
  readonly eventId: number;
  readonly requirementId: number;
  readonly licenceConditionId: number;
}

/** A person with an event, a requirement and a licence condition, all managed by the unallocated staff. */
async function seedPerson(pipeline: TestPipeline, crn: string): Promise<Owners> {
  const { fixtures } = pipeline.delius.data;
  const managers = [{ ...unallocated, start: fixtureStart }];
  const person = await fixtures.person({ crn, managers });
  const event = await fixtures.event({ crn, number: '1', managers });
  const requirement = await fixtures.requirement({ crn, eventNumber: '1', managers });
  const condition = await fixtures.licenceCondition({ crn, eventNumber: '1', managers });
  return {
    crn,
    personId: person.id,
    eventId: event.id,
    requirementId: requirement.id,
    licenceConditionId: condition.id,
  };
}

/** The record the processor would publish for an owner's allocation in a round, made at `madeAt`. */
function allocationRecord(owners: Owners, kind: AllocationKind, round: number, madeAt: number): Emit {
  const messageId = `${owners.crn}-${kind}-${round}`;
  const value: AllocationRecord = {
    messageId,
    eventType: allocationEventTypes[allocationKinds.indexOf(kind)] ?? 'event.manager.allocated',
    detailUrl: `http://workload.invalid/${messageId}`,
    crn: owners.crn,
    kind,
    allocationId: messageId,
    staffCode: staffOf(round),
    teamCode: 'N02ABS',
    createdDate: new Date(madeAt).toISOString(),
    allocationReason: null,
    personCrn: kind === 'PERSON' ? owners.crn : null,
    eventNumber: kind === 'PERSON' ? null : 1,
    requirementId: kind === 'REQUIREMENT' ? owners.requirementId : null,
    licenceConditionId: kind === 'LICENCE_CONDITION' ? owners.licenceConditionId : null,
    spoStaffCode: null,
    spoOversightNotes: null,
    sensitiveOversightNotes: null,
    publishedAt: null,
    enrichedAt: madeAt,
  };
  return { topic: '', key: owners.crn, value, headers: { 'message-id': messageId } };
}

/** What the allocations left for a person, without generated ids, contacts in date order. */
async function personState(db: DeliusDb, owners: Owners) {
  const generated = new Set(['id', 'managerId', 'eventId', 'requirementId', 'licenceConditionId']);
  const withoutIds = (rows: readonly object[]): Record<string, unknown>[] =>
    rows.map((row) => Object.fromEntries(Object.entries(row).filter(([name]) => !generated.has(name))));
  const contacts = withoutIds(await contactsOf(db, owners.personId)).sort((a, b) =>
    [a['startTime'], a['type'], a['notes']]
      .join('|')
      .localeCompare([b['startTime'], b['type'], b['notes']].join('|')),
  );
  return {
    personManagers: withoutIds(await managerHistory(db, 'PERSON', owners.personId)),
    eventManagers: withoutIds(await managerHistory(db, 'EVENT', owners.eventId)),
    requirementManagers: withoutIds(await managerHistory(db, 'REQUIREMENT', owners.requirementId)),
    conditionManagers: withoutIds(await managerHistory(db, 'LICENCE_CONDITION', owners.licenceConditionId)),
    responsibleOfficers: withoutIds(await responsibleOfficers(db, owners.personId)),
    contacts,
  };
}

/**
 * Publishes, onto the sink's input, one person's allocations in the order they were made (the reference) and
 * one person per permutation of the four rounds, every kind in that order; waits for the sink to settle all,
 * and returns each permuted person's Delius state beside the reference's.
 */
async function runPermutations(scope: TestScope, orderWindowSeconds: number, madeAgoMs: number) {
  const pipeline = await testPipeline(scope, {
    stages: ['sink'],
    env: { ORDER_WINDOW_SECONDS: String(orderWindowSeconds) },
  });
  try {
    const orders = permutations(rounds);
    const reference = await seedPerson(pipeline, 'R000001');
    const permuted: { order: readonly number[]; owners: Owners }[] = [];
    for (const [index, order] of orders.entries())
      permuted.push({ order, owners: await seedPerson(pipeline, `P${String(index + 1).padStart(6, '0')}`) });

    // Made a second apart, starting `madeAgoMs` before now. An allocation applied before the moment it was made
    // leaves the period it ends active (C8: an end after now), so a run that applies them as they come (window 0)
    // dates them in the past: otherwise its result would depend on how fast each was applied.
    const startsAt = Date.now() - madeAgoMs;
    const madeAt = (round: number) => startsAt + round * 1_000;
    const emits: Emit[] = [];
    for (const kind of allocationKinds)
      for (const round of rounds) emits.push(allocationRecord(reference, kind, round, madeAt(round)));
    for (const { order, owners } of permuted)
      for (const kind of allocationKinds)
        for (const round of order) emits.push(allocationRecord(owners, kind, round, madeAt(round)));

    const topic = pipeline.config.ALLOCATIONS_TOPIC;
    const serde = avroSerde(createSchemaRegistry(pipeline.config.SCHEMA_REGISTRY_URL));
    await serde.register(topic, 'allocation');
    const producer = createProducer(await scope.kafka());
    await producer.connect();
    try {
      await publisherOf(producer, serde).publish(emits.map((emit) => ({ ...emit, topic })));
    } finally {
      await producer.disconnect();
    }
    const settled = () => pipeline.observed.filter((entry) => entry.stage === 'sink');
    await eventually(() => settled().length >= emits.length, {
      timeoutMs: ceiling(60_000) + orderWindowSeconds * 1000,
    });

    const db = pipeline.delius.db;
    const expected = await personState(db, reference);
    const states = [];
    for (const { order, owners } of permuted)
      states.push({ order: order.join(''), state: await personState(db, owners) });
    const outcomes = settled().map((entry) => entry.outcome.status);
    const outOfOrder = await pipeline.service?.metrics.outOfOrder.get();
    return { expected, states, outcomes, outOfOrder: outOfOrder?.values[0]?.value ?? 0 };
  } finally {
    await pipeline.close();
  }
}

describe("a person's allocations reaching Kafka out of order", () => {
  const scope = testScope('e2e-order');
  afterAll(() => scope.close());

  it('leave Delius as if they had arrived in the order they were made, for every order of A, X, A, X and every kind', async () => {
    const { expected, states, outcomes, outOfOrder } = await runPermutations(scope, ceiling(5), 0);
    // The reference really did change: four new managers of each kind, one officer and two contacts a round.
    expect(expected.personManagers.map((row) => row['staff'])).toEqual([
      'N02UATU',
      'N02ABS1',
      'N02ABSX',
      'N02ABS1',
      'N02ABSX',
    ]);
    for (const managers of [expected.eventManagers, expected.requirementManagers, expected.conditionManagers])
      expect(managers).toHaveLength(5);
    expect(outcomes.every((status) => status === 'applied')).toBe(true);
    for (const { order, state } of states) expect({ order, state }).toEqual({ order, state: expected });
    expect(outOfOrder).toBe(0);
  });

  it('without the window, the same arrivals leave another history: what the window is for', async () => {
    const { expected, states, outcomes } = await runPermutations(scope, 0, 3_600_000);
    const differing = states.filter(({ state }) => JSON.stringify(state) !== JSON.stringify(expected));
    // Every order but the one they were made in (1234) loses or shifts a period somewhere.
    expect(differing.map(({ order }) => order)).not.toContain('0123');
    expect(differing.length).toBe(states.length - 1);
    expect(outcomes).toContain('duplicate');
  });
});
