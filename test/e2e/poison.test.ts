// Messages that cannot be processed go to a dead-letter queue or topic with their reason, and the messages
// behind them, for other people, carry on.
import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { deadLetterHeader } from '../../src/kafka/dead-letters.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline } from '../support/pipeline.ts';
import { awsClients } from '../support/stack.ts';
import { seedPeople, syntheticAllocation, writtenManagers } from '../support/synthetic-allocations.ts';
import { ceiling } from '../support/patience.ts';

describe('poison messages', () => {
  const scope = testScope('e2e-poison');
  afterAll(() => scope.close());

  it('never stop the messages behind them on other CRNs, and each ends as a dead letter with its reason', async () => {
    const pipeline = await testPipeline(scope, { maxReceiveCount: 2, env: { TOPIC_PARTITIONS: '3' } });
    try {
      const { sqs } = await awsClients();
      const crns = ['P000001', 'P000002', 'P000003', 'P000004', 'P000005', 'P000006'];
      await seedPeople(pipeline, crns);

      // Poison at every stage, sent first: not JSON (connector), a detail that always fails (processor), an
      // allocation Delius refuses (sink: staff not in team) and one for a person Delius does not know (sink).
      await sqs.send(
        new SendMessageCommand({ QueueUrl: pipeline.queue.queueUrl, MessageBody: 'this is not JSON' }),
      );
      pipeline.api.register('/allocation/person/broken', { status: 503 });
      const broken = await pipeline.publish({
        eventType: 'person.community.manager.allocated',
        version: 1,
        detailUrl: `${pipeline.api.url}/allocation/person/broken`,
        personReference: { identifiers: [{ type: 'CRN', value: 'P000001' }] },
      });
      const refusedEvent = syntheticAllocation(pipeline, 'P000002', 'PERSON', 7);
      pipeline.api.register('/allocation/person/P000002-7', {
        status: 200,
        body: {
          id: 'refused',
          staffCode: 'N02UATU',
          teamCode: 'N02ABS',
          createdDate: '2022-08-08T09:00:00+01:00',
          crn: 'P000002',
        },
      });
      const refused = await pipeline.publish(refusedEvent);
      pipeline.api.register('/allocation/person/unknown', {
        status: 200,
        body: {
          id: 'unknown',
          staffCode: 'N02ABS1',
          teamCode: 'N02ABS',
          createdDate: '2022-08-08T09:00:00+01:00',
          crn: 'Z999999',
        },
      });
      const unknown = await pipeline.publish({
        eventType: 'person.community.manager.allocated',
        version: 1,
        detailUrl: `${pipeline.api.url}/allocation/person/unknown`,
        personReference: { identifiers: [{ type: 'CRN', value: 'Z999999' }] },
      });

      // Then good allocations for every person, the poisoned ones included.
      for (const crn of crns) await pipeline.publish(syntheticAllocation(pipeline, crn, 'PERSON', 0));
      await eventually(async () => (await writtenManagers(pipeline.delius.db)) === crns.length, {
        timeoutMs: ceiling(60_000),
      });

      expect((await pipeline.deadLetterOf(broken)).headers).toMatchObject({
        [deadLetterHeader.stage]: 'processor',
        [deadLetterHeader.code]: 'http-error',
        [deadLetterHeader.message]: 'GET /allocation/person/broken answered 503',
      });
      expect((await pipeline.deadLetterOf(refused)).headers).toMatchObject({
        [deadLetterHeader.stage]: 'sink',
        [deadLetterHeader.code]: 'conflict',
        [deadLetterHeader.message]: 'Staff N02UATU not in Team N02ABS',
        [deadLetterHeader.topic]: pipeline.config.ALLOCATIONS_TOPIC,
      });
      expect((await pipeline.deadLetterOf(unknown)).headers).toMatchObject({
        [deadLetterHeader.stage]: 'sink',
        [deadLetterHeader.code]: 'not-found',
        [deadLetterHeader.message]: 'Person with crn of Z999999 not found',
      });
      const seen = new Map<string, Message>();
      await eventually(async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: pipeline.queue.deadLetterQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        for (const message of Messages) seen.set(message.Body ?? '', message);
        return seen.has('this is not JSON');
      });
      // The service is still running: a later allocation goes through.
      const later = await pipeline.publish(syntheticAllocation(pipeline, 'P000003', 'EVENT', 1));
      expect(await eventually(() => pipeline.outcomeOf('sink', later) ?? false)).toMatchObject({
        status: 'applied',
      });
    } finally {
      await pipeline.close();
    }
  });
});
