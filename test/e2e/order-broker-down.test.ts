// The fault of the "order per person" finding: while the broker was down the connector could not publish and
// left a person's allocation to SQS, and the next ones, made after the broker was back, reached Kafka first. Now
// the connector holds what it received until Kafka takes it (an outage is waited out, issue 23): nothing is
// left to SQS, nothing overtakes it, and every person's history is as Workforce made it. (The order window's
// repair of a reordering is proven where one still happens: a connector killed holding messages, in
// order-per-person.test.ts and the fault soak.)
import { unallocated } from '../../infra/delius-schema/example-data.ts';
import { londonWallClock } from '../../src/delius/time.ts';
import { managerHistory, text } from '../support/delius-queries.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { privateBroker } from '../support/private-broker.ts';
import { seedPeople, syntheticAllocation, type SyntheticKind } from '../support/synthetic-allocations.ts';

const crns = ['B000001', 'B000002', 'B000003'];
const kinds: readonly SyntheticKind[] = ['PERSON', 'EVENT'];

interface Sent {
  readonly crn: string;
  readonly kind: SyntheticKind;
  readonly round: number;
  readonly createdDate: string;
}

/**
 * Workforce makes a round of allocations now: one per person and kind, announced through SNS. Each round in a
 * second of its own, since Delius refuses two managers of one owner starting in the same second (rule C4).
 */
async function allocateRound(pipeline: TestPipeline, round: number, sent: Map<string, Sent>) {
  const previous = Math.max(0, ...[...sent.values()].map((allocation) => Date.parse(allocation.createdDate)));
  await eventually(() => Math.floor(Date.now() / 1000) > Math.floor(previous / 1000), { intervalMs: 50 });
  const createdDate = new Date().toISOString();
  for (const crn of crns) {
    for (const kind of kinds) {
      const messageId = await pipeline.publish(syntheticAllocation(pipeline, crn, kind, round, createdDate));
      sent.set(messageId, { crn, kind, round, createdDate });
    }
  }
}

/** Delius's wall-clock text (Europe/London) of an instant. */
const londonText = (iso: string) => text(londonWallClock(new Date(iso)));

describe('the broker stopped while Workforce goes on allocating', () => {
  const scope = testScope('e2e-order-outage');
  afterAll(() => scope.close());

  it("holds what the connector received until Kafka is back, spending no receive, and every person's history is as made", async () => {
    const broker = await privateBroker();
    // Round 1's messages stay invisible on the queue for the visibility timeout after the failed publish: long
    // enough to outlast the broker's restart and the publishing of rounds 2 and 3, so that those overtake it.
    // The window covers that delay, and then some.
    const visibilityTimeoutSeconds = 30;
    const windowSeconds = visibilityTimeoutSeconds + ceiling(10);
    const pipeline = await testPipeline(scope, {
      visibilityTimeoutSeconds,
      env: { KAFKA_BROKERS: broker.brokers, ORDER_WINDOW_SECONDS: String(windowSeconds) },
    });
    try {
      await seedPeople(pipeline, crns);
      const sent = new Map<string, Sent>();
      const sinkOutcomes = () => pipeline.observed.filter((entry) => entry.stage === 'sink');
      const perRound = crns.length * kinds.length;

      await allocateRound(pipeline, 0, sent);
      // Round 0 is on the sink's topic (where the window holds it) before the broker stops.
      await eventually(
        () => pipeline.observed.filter((entry) => entry.stage === 'processor').length >= perRound,
        { timeoutMs: ceiling(60_000) },
      );

      await broker.stop();
      await allocateRound(pipeline, 1, sent);
      // The connector cannot publish round 1: past its retries it waits for Kafka, holding the messages.
      await eventually(
        async () =>
          (await pipeline.service?.metrics.dependencyDown.get())?.values.some(
            (value) => value.labels.dependency === 'kafka' && value.value === 1,
          ) ?? false,
        { timeoutMs: ceiling(60_000) },
      );
      await broker.start();
      await allocateRound(pipeline, 2, sent);
      await allocateRound(pipeline, 3, sent);
      await eventually(() => sinkOutcomes().length >= perRound * 4, {
        timeoutMs: ceiling(120_000) + windowSeconds * 1000,
      });

      // Nothing was left to SQS, and no person's round 1 reached the sink's topic after a later round.
      expect(pipeline.sourceOutcomes.filter((outcome) => outcome.status !== 'applied')).toEqual([]);
      const offsets = new Map<string, number>();
      for (const { message } of sinkOutcomes()) {
        const allocation = sent.get(message.headers['message-id'] ?? '');
        if (allocation)
          offsets.set(`${allocation.crn}/${allocation.kind}/${allocation.round}`, Number(message.offset));
      }
      const reordered = crns.flatMap((crn) =>
        kinds.filter(
          (kind) => (offsets.get(`${crn}/${kind}/1`) ?? -1) > (offsets.get(`${crn}/${kind}/2`) ?? Infinity),
        ),
      );
      expect(reordered).toEqual([]);

      // Each owner: the unallocated manager, then A, X, A, X, each from the moment Workforce made it.
      const rounds = [...sent.values()];
      const db = pipeline.delius.db;
      for (const crn of crns) {
        const person = await db.models.Offender.findOne({ where: { crn } });
        const personId = person?.get({ plain: true }).id ?? 0;
        const event = await db.models.Event.findOne({ where: { personId } });
        const owners = { PERSON: personId, EVENT: event?.get({ plain: true }).id ?? 0 };
        for (const kind of kinds) {
          const history = (await managerHistory(db, kind, owners[kind])).map(({ staff, start, end }) => ({
            staff,
            start,
            end,
          }));
          const made = rounds
            .filter((allocation) => allocation.crn === crn && allocation.kind === kind)
            .sort((a, b) => a.round - b.round)
            .map((allocation) => londonText(allocation.createdDate));
          expect({ crn, kind, history }).toEqual({
            crn,
            kind,
            history: [
              { staff: unallocated.staff, start: history[0]?.start, end: made[0] },
              { staff: 'N02ABS1', start: made[0], end: made[1] },
              { staff: 'N02ABSX', start: made[1], end: made[2] },
              { staff: 'N02ABS1', start: made[2], end: made[3] },
              { staff: 'N02ABSX', start: made[3], end: null },
            ],
          });
        }
      }
      expect(sinkOutcomes().map((entry) => entry.outcome.status)).toEqual(
        Array.from({ length: perRound * 4 }, () => 'applied'),
      );
    } finally {
      await pipeline.close();
      await broker.close();
    }
  });
});
