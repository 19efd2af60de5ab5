// Killing a stage's process mid-stream loses nothing and duplicates no Delius change.
import { Op } from 'sequelize';
import { topologyOf, type ConsumerStageName } from '../../src/topology.ts';
import type { DeliusDb } from '../../src/delius/delius-db.ts';
import { iapsEventRecordSchema } from '../../src/domain/topic-records.ts';
import { contactsOf, iapsFlags, managerHistory, responsibleOfficers } from '../support/delius-queries.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import {
  seedPeople,
  syntheticAllocation,
  waitForGroupMembers,
  writtenManagers,
} from '../support/synthetic-allocations.ts';
import { ceiling } from '../support/patience.ts';

const crns = ['K000001', 'K000002', 'K000003', 'K000004', 'K000005', 'K000006'];
/** These people have an accredited programme: allocating them or their event sets an IAPS flag. */
const withProgramme = ['K000001', 'K000002'];
const rounds = 4;
const total = crns.length * rounds * 2;

async function publishAll(pipeline: TestPipeline) {
  for (let n = 0; n < rounds; n += 1) {
    for (const crn of crns) {
      await pipeline.publish(syntheticAllocation(pipeline, crn, 'PERSON', n));
      await pipeline.publish(syntheticAllocation(pipeline, crn, 'EVENT', n));
    }
  }
}

/** Everything the allocations wrote, without generated ids or timestamps, so that two runs compare. */
async function deliusState(db: DeliusDb) {
  const people = await db.models.Offender.findAll({
    where: { crn: { [Op.in]: crns } },
    order: [['crn', 'ASC']],
  });
  const state = [];
  for (const person of people) {
    const { id, crn } = person.get({ plain: true });
    const eventId =
      (await db.models.Event.findOne({ where: { personId: id } }))?.get({ plain: true }).id ?? 0;
    const withoutIds = <T extends object>(rows: T[]) =>
      rows.map((row) => ({ ...row, id: undefined, managerId: undefined, eventId: undefined }));
    state.push({
      crn,
      personManagers: withoutIds(await managerHistory(db, 'PERSON', id)),
      eventManagers: withoutIds(await managerHistory(db, 'EVENT', eventId)),
      responsibleOfficers: withoutIds(await responsibleOfficers(db, id)),
      contacts: withoutIds(await contactsOf(db, id)),
    });
  }
  const flags = await iapsFlags(db);
  return { state, iaps: { people: flags.IAPS_OFFENDER.length, events: flags.IAPS_EVENT.length } };
}

describe('a stage killed mid-stream', () => {
  const scope = testScope('e2e-crash');
  afterAll(() => scope.close());

  let undisturbed: Awaited<ReturnType<typeof deliusState>>;
  beforeAll(async () => {
    const pipeline = await testPipeline(scope);
    try {
      await seedPeople(pipeline, crns, withProgramme);
      await publishAll(pipeline);
      await eventually(async () => (await writtenManagers(pipeline.delius.db)) === total, {
        timeoutMs: ceiling(60_000),
      });
      undisturbed = await deliusState(pipeline.delius.db);
    } finally {
      await pipeline.close();
    }
  });

  it.each(['processor', 'sink'] as const)(
    '%s: SIGKILL and a restart end in the same Delius state as an undisturbed run',
    async (stage: ConsumerStageName) => {
      const pipeline = await testPipeline(scope, {
        stages: (['connector', 'processor', 'sink'] as const).filter((name) => name !== stage),
      });
      try {
        await seedPeople(pipeline, crns, withProgramme);
        const first = pipeline.spawnStage(stage);
        await waitForGroupMembers(await scope.admin(), topologyOf(pipeline.config)[stage].groupId, 1);
        await publishAll(pipeline);
        const { db } = pipeline.delius;

        // Killed once part of the work is done, with more in hand.
        await eventually(async () => (await writtenManagers(db)) >= 6, {
          timeoutMs: ceiling(60_000),
          intervalMs: 20,
        });
        first.kill('SIGKILL');
        await eventually(() => first.signalCode === 'SIGKILL');
        expect(await writtenManagers(db)).toBeLessThan(total);

        pipeline.spawnStage(stage);
        await eventually(async () => (await writtenManagers(db)) === total, { timeoutMs: ceiling(90_000) });
        await pipeline.caughtUp('processor');
        await pipeline.caughtUp('sink');
        // Everything delivered again after the kill was a duplicate: exactly one row per allocation, as undisturbed.
        expect(await writtenManagers(db)).toBe(total);
        expect(await deliusState(db)).toEqual(undisturbed);
        expect(undisturbed.iaps).toEqual({ people: withProgramme.length, events: withProgramme.length });

        // IAPS events are at least once: every allocation that set a flag has its event, whether it was applied
        // before the kill or again, as a duplicate, after it.
        const events = (await pipeline.readAll(pipeline.config.IAPS_EVENTS_TOPIC)).map((record) =>
          iapsEventRecordSchema.parse(record.value),
        );
        for (const crn of withProgramme) {
          for (const table of ['IAPS_OFFENDER', 'IAPS_EVENT'] as const) {
            expect(
              events.filter((event) => event.crn === crn && event.table === table).length,
            ).toBeGreaterThanOrEqual(rounds);
          }
        }
      } finally {
        await pipeline.close();
      }
    },
  );
});
