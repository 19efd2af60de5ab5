// One person's allocations are applied in the order they were published, whichever sink process gets them.
import { Op } from 'sequelize';
import { topologyOf } from '../../src/topology.ts';
import { firstGeneratedId } from '../../src/delius/dialect.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline } from '../support/pipeline.ts';
import {
  seedPeople,
  syntheticAllocation,
  waitForGroupMembers,
  writtenManagers,
} from '../support/synthetic-allocations.ts';
import { ceiling } from '../support/patience.ts';

describe('ordering per CRN', () => {
  const scope = testScope('e2e-order');
  afterAll(() => scope.close());

  it('applies each person’s allocations in publish order, over six partitions and two sink processes', async () => {
    const pipeline = await testPipeline(scope, {
      stages: ['connector', 'processor'],
      env: { TOPIC_PARTITIONS: '6' },
    });
    try {
      const crns = ['O000001', 'O000002', 'O000003', 'O000004', 'O000005', 'O000006', 'O000007', 'O000008'];
      await seedPeople(pipeline, crns);
      pipeline.spawnStage('sink');
      pipeline.spawnStage('sink');
      await waitForGroupMembers(await scope.admin(), topologyOf(pipeline.config)['sink'].groupId, 2);

      const rounds = 4;
      for (let n = 0; n < rounds; n += 1) {
        for (const crn of crns) {
          await pipeline.publish(syntheticAllocation(pipeline, crn, 'PERSON', n));
          await pipeline.publish(syntheticAllocation(pipeline, crn, 'EVENT', n));
        }
      }
      const { db } = pipeline.delius;
      await eventually(async () => (await writtenManagers(db)) === crns.length * rounds * 2, {
        timeoutMs: ceiling(60_000),
      });

      // Generated ids are handed out in the order allocations are applied: for each owner, the rows written in
      // id order must carry the createdDates in publish order.
      for (const model of [db.models.PersonManager, db.models.EventManager]) {
        const rows = (
          await model.findAll({ where: { id: { [Op.gte]: firstGeneratedId } }, order: [['id', 'ASC']] })
        ).map((row) => row.get({ plain: true }));
        const byOwner = Map.groupBy(rows, (row) => row.ownerId);
        expect(byOwner.size).toBe(crns.length);
        for (const ownerRows of byOwner.values()) {
          const starts = ownerRows.map((row) => row.allocationDate.getTime());
          expect(starts).toEqual([...starts].sort((a, b) => a - b));
          expect(ownerRows).toHaveLength(rounds);
          // Applied in order, each new manager was open-ended when written and the previous one was cut.
          expect(ownerRows.slice(0, -1).every((row) => row.endDate !== null)).toBe(true);
        }
      }
      const { groups } = await (
        await scope.admin()
      ).describeGroups([topologyOf(pipeline.config)['sink'].groupId]);
      expect(groups[0]?.members).toHaveLength(2);
    } finally {
      await pipeline.close();
    }
  });
});
