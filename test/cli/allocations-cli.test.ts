import kafkajs from 'kafkajs';
import { topologyOf } from '../../src/topology.ts';
import { firstGeneratedId } from '../../src/delius/dialect.ts';
import { examplePairs } from '../support/delius.ts';
import {
  auditRows,
  contactsOf,
  iapsFlags,
  managerHistory,
  responsibleOfficers,
} from '../support/delius-queries.ts';
import { eventually } from '../support/eventually.ts';
import { testScope, uniqueName } from '../support/isolation.ts';
import { awsClients, queueDepth } from '../support/stack.ts';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { allocationsCli, runScript } from '../support/processes.ts';
import { waitForGroupMembers } from '../support/synthetic-allocations.ts';
import { ceiling } from '../support/patience.ts';

/** The tables an allocation writes, for the example people. */
async function deliusTables(pipeline: TestPipeline) {
  const { db, data } = pipeline.delius;
  const people = Object.values(data.people).map((person) => person.id);
  const events = Object.values(data.events).map((event) => event.id);
  return {
    personManagers: await Promise.all(people.map((id) => managerHistory(db, 'PERSON', id))),
    eventManagers: await Promise.all(events.map((id) => managerHistory(db, 'EVENT', id))),
    requirementManagers: await Promise.all(
      [9001, 9002, 9003].map((id) => managerHistory(db, 'REQUIREMENT', id)),
    ),
    licenceConditionManagers: await Promise.all(
      [8001, 8002, 8003].map((id) => managerHistory(db, 'LICENCE_CONDITION', id)),
    ),
    responsibleOfficers: await Promise.all(people.map((id) => responsibleOfficers(db, id))),
    contacts: await Promise.all(people.map((id) => contactsOf(db, id))),
    iaps: await iapsFlags(db),
  };
}

describe('the allocations command-line tool', () => {
  const scope = testScope('cli');
  afterAll(() => scope.close());

  it('replays a stopped sink from the earliest offset: planned unless --execute, every allocation again, Delius unchanged; refused while it runs', async () => {
    // Without the connectors' watermark records, which are records to read again too: the count is the allocations'.
    const pipeline = await testPipeline(scope, {
      stages: ['connector', 'processor'],
      env: { ORDER_WATERMARK: 'false' },
    });
    try {
      const admin = await scope.admin();
      const sinkGroup = topologyOf(pipeline.config)['sink'].groupId;
      const sink = pipeline.spawnStage('sink');
      await waitForGroupMembers(admin, sinkGroup, 1);
      for (const [message] of examplePairs) await pipeline.publishExample(message);
      await pipeline.caughtUp('processor', { records: examplePairs.length });
      await pipeline.caughtUp('sink', { records: examplePairs.length });
      const before = await deliusTables(pipeline);
      const auditsBefore = (await auditRows(pipeline.delius.db)).length;
      expect(auditsBefore).toBe(examplePairs.length);

      const refused = await allocationsCli(
        ['replay', '--stage', 'sink', '--to-earliest', '--execute'],
        pipeline.env,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`refused: ${sinkGroup} has 1 live member(s)`);
      expect(refused.stdout).not.toContain('replay of');

      sink.kill('SIGTERM');
      await eventually(() => sink.exitCode === 0);
      // As kafka-consumer-groups: without --execute, a plan and nothing changed.
      const plan = await allocationsCli(['replay', '--stage', 'sink', '--to-earliest'], pipeline.env);
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain('plan (nothing changed; --execute makes it)');
      // Back three records on each partition, from where the group is: planned, in JSON for a script.
      type PlanRow = { partition: number; committed: number | null; newOffset: number };
      const shifted = JSON.parse(
        (await allocationsCli(['replay', '--stage', 'sink', '--shift-by', '-3', '--json'], pipeline.env))
          .stdout,
      ) as { plan: PlanRow[]; replay: { executed: boolean } };
      expect(shifted.replay.executed).toBe(false);
      expect(shifted.plan.length).toBeGreaterThan(0);
      for (const row of shifted.plan) expect(row.newOffset).toBe(Math.max((row.committed ?? 0) - 3, 0));
      const recent = JSON.parse(
        (await allocationsCli(['replay', '--stage', 'sink', '--by-duration', 'P1D', '--json'], pipeline.env))
          .stdout,
      ) as { plan: PlanRow[] };
      // Everything on the topic was written within the day: the plan is the earliest offsets.
      expect(recent.plan.every((row) => row.newOffset === 0)).toBe(true);
      const done = await allocationsCli(
        ['replay', '--stage', 'sink', '--to-earliest', '--execute'],
        pipeline.env,
      );
      expect(done.stdout).toContain(
        `done: ${examplePairs.length} records will be read again when the sink starts`,
      );
      expect(done.code).toBe(0);

      pipeline.spawnStage('sink');
      await eventually(
        async () => (await auditRows(pipeline.delius.db)).length === auditsBefore + examplePairs.length,
        { timeoutMs: ceiling(60_000) },
      );
      await pipeline.caughtUp('sink');
      expect(
        (await auditRows(pipeline.delius.db)).slice(auditsBefore).every((row) => row.outcome === 'P'),
      ).toBe(true);
      expect(await deliusTables(pipeline)).toEqual(before);

      const lag = await allocationsCli(['lag'], pipeline.env);
      expect(lag.code).toBe(0);
      expect(lag.stdout).toMatch(
        new RegExp(
          `sink\\s+${pipeline.config.ALLOCATIONS_TOPIC.replaceAll('.', '\\.')}\\s+\\d+\\s+\\S+\\s+\\d+\\s+0`,
        ),
      );
      expect(lag.stdout).not.toMatch(/\s[1-9]\d*$/m);
    } finally {
      await pipeline.close();
    }
  });

  it('redrives a letter only to an input topic of the service, whatever topic its headers name', async () => {
    // The sink's start creates the service's topics, the dead-letter topic among them.
    const pipeline = await testPipeline(scope, { stages: ['sink'] });
    try {
      const elsewhere = await scope.topic();
      const producer = (await scope.kafka()).producer();
      await producer.connect();
      // Written straight to the dead-letter topic, as anyone who may write there could.
      await producer.send({
        topic: pipeline.config.DEAD_LETTER_TOPIC,
        messages: [
          {
            key: 'T123456',
            value: Buffer.from('anything'),
            headers: {
              'dlt-stage': 'sink',
              'dlt-error-code': 'conflict',
              'dlt-error-message': 'forged',
              'dlt-original-topic': elsewhere,
              'dlt-original-partition': '0',
              'dlt-original-offset': '0',
            },
          },
        ],
      });
      await producer.disconnect();
      const redrive = await allocationsCli(['dead-letters', 'redrive', '--all'], pipeline.env);
      expect(redrive.code).toBe(0);
      expect(redrive.stdout).toMatch(
        new RegExp(
          `skipping \\d+:0: it names "${elsewhere}" as its topic, which is not an input of this service`,
        ),
      );
      expect(redrive.stdout).not.toContain('sent ');
      expect(await pipeline.readAll(elsewhere)).toEqual([]);
    } finally {
      await pipeline.close();
    }
  });

  it('redrives a dead letter once its cause is fixed, and sends events to SNS', async () => {
    const pipeline = await testPipeline(scope);
    try {
      const { fixtures } = pipeline.delius.data;
      await fixtures.staff({ code: 'N02NEW1', forename: 'New', surname: 'Starter', teams: ['N02UAT'] });
      pipeline.api.register('/allocation/person/new-starter', {
        status: 200,
        body: {
          id: 'ns',
          staffCode: 'N02NEW1',
          teamCode: 'N02ABS',
          createdDate: '2022-08-01T09:00:00+01:00',
          crn: 'T123456',
        },
      });
      const sent = await allocationsCli(
        [
          'send',
          '--event-type',
          'person.community.manager.allocated',
          '--crn',
          'T123456',
          '--detail-url',
          `${pipeline.api.url}/allocation/person/new-starter`,
        ],
        pipeline.env,
      );
      expect(sent.code).toBe(0);
      const messageId =
        /published person\.community\.manager\.allocated as (\S+)/.exec(sent.stdout)?.[1] ?? '';
      expect(await pipeline.outcomeFor('sink', messageId)).toMatchObject({
        status: 'dead-letter',
        error: { code: 'conflict' },
      });

      const listed = await allocationsCli(['dead-letters', 'list', '--stage', 'sink'], pipeline.env);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('Staff N02NEW1 not in Team N02ABS');
      const offset = /^(\d+:\d+)\s/m.exec(listed.stdout.split('\n').slice(1).join('\n'))?.[1] ?? '';
      const shown = await allocationsCli(['dead-letters', 'show', offset], pipeline.env);
      expect(JSON.parse(shown.stdout)).toMatchObject({
        key: 'T123456',
        value: { staffCode: 'N02NEW1', kind: 'PERSON' },
        headers: {
          'dlt-error-code': 'conflict',
          'dlt-stage': 'sink',
          'dlt-original-topic': pipeline.config.ALLOCATIONS_TOPIC,
        },
      });

      // The fix: in Delius, the new starter joins the allocation team.
      const staff = await pipeline.delius.db.models.Staff.findOne({ where: { code: 'N02NEW1' } });
      const team = await pipeline.delius.db.models.Team.findOne({ where: { code: 'N02ABS' } });
      await pipeline.delius.db.models.StaffTeam.create({
        staffId: staff?.get({ plain: true }).id ?? 0,
        teamId: team?.get({ plain: true }).id ?? 0,
      });
      const redriven = await allocationsCli(['dead-letters', 'redrive', offset], pipeline.env);
      expect(redriven.code).toBe(0);
      expect(redriven.stdout).toContain(
        `sent ${offset} (conflict) back to ${pipeline.config.ALLOCATIONS_TOPIC}`,
      );

      await eventually(async () => {
        const history = await managerHistory(
          pipeline.delius.db,
          'PERSON',
          pipeline.delius.data.people.T123456.id,
        );
        return history.some((period) => period.staff === 'N02NEW1' && (period.id ?? 0) >= firstGeneratedId);
      });

      // Recorded: the letter shows as redriven, and redriving everything again sends nothing twice.
      const after = await allocationsCli(['dead-letters', 'list', '--stage', 'sink'], pipeline.env);
      expect(after.stdout).toMatch(new RegExp(`^${offset}\\s.*\\sredriven \\d{4}-\\d\\d-\\d\\dT`, 'm'));
      expect(after.stdout).toContain('1 dead letter(s): 0 pending, 1 redriven');
      const afterJson = await allocationsCli(
        ['dead-letters', 'list', '--stage', 'sink', '--json'],
        pipeline.env,
      );
      expect(JSON.parse(afterJson.stdout)).toMatchObject({
        deadLetters: [
          {
            offset,
            stage: 'sink',
            code: 'conflict',
            key: 'T123456',
            state: expect.stringMatching(/^redriven /) as unknown,
          },
        ],
      });
      const again = await allocationsCli(['dead-letters', 'redrive', '--all'], pipeline.env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`skipping 1 already redriven (${offset})`);
      expect(again.stdout).not.toContain('sent ');
      const sinkTopic = await pipeline.readAll(pipeline.config.ALLOCATIONS_TOPIC);
      expect(sinkTopic.filter((record) => record.headers['dlt-redriven-from'] === offset)).toHaveLength(1);
    } finally {
      await pipeline.close();
    }
  });

  it('reads the whole SQS dead-letter queue, however long, and moves every message back once', async () => {
    const queue = await scope.allocationsQueue();
    const { sqs } = await awsClients();
    const count = 125;
    for (let start = 0; start < count; start += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.deadLetterQueueUrl,
          Entries: Array.from({ length: Math.min(10, count - start) }, (_, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({ parked: start + index }),
          })),
        }),
      );
    }
    const env = { ALLOCATIONS_DLQ_URL: queue.deadLetterQueueUrl, ALLOCATIONS_QUEUE_URL: queue.queueUrl };
    const listed = await allocationsCli(['dead-letters', 'list', '--queue'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${count} message(s) on the SQS dead-letter queue`);
    // Listing hides nothing: all of them are there for the redrive at once.
    const moved = await allocationsCli(['dead-letters', 'redrive', '--queue', '--all'], env);
    expect(moved.code).toBe(0);
    expect(moved.stdout.match(/moved \S+ back to the allocations queue/g)).toHaveLength(count);
    expect(await queueDepth(sqs, queue.queueUrl)).toBe(count);
    expect(await queueDepth(sqs, queue.deadLetterQueueUrl)).toBe(0);
  });

  it('explains each command and refuses bad usage with a pointer to --help', async () => {
    const help = await allocationsCli(['replay', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: allocations replay --stage processor|sink TARGET');
    const wrong = await allocationsCli(['replay', '--stage', 'connector', '--to-earliest'], {});
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('the connector reads SQS, not Kafka');
    const unknown = await allocationsCli(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await allocationsCli(['lag', '--bogus'], {});
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--bogus'");
    const badValue = await allocationsCli(['dead-letters', 'list', '--stage', 'bogus'], {});
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('--stage must be processor or sink');
    const eventType = await allocationsCli(
      ['send', '--event-type', 'bogus', '--crn', 'X123456', '--detail-url', 'http://127.0.0.1:1/x'],
      {},
    );
    expect(eventType.code).toBe(2);
    expect(eventType.stderr).toContain('event type "bogus" is not one the allocations queue receives');
  });

  it('provisions the topics and schemas for a service without those rights, and a second time changes nothing', async () => {
    const name = uniqueName('provision');
    const env = {
      DOMAIN_EVENTS_TOPIC: `${name}.domain-events`,
      ALLOCATIONS_TOPIC: `${name}.allocations`,
      IAPS_EVENTS_TOPIC: `${name}.iaps-events`,
      DEAD_LETTER_TOPIC: `${name}.dead-letters`,
      TOPIC_PARTITIONS: '2',
      DEAD_LETTER_RETENTION_MS: '-1',
    };
    // Before anything exists, a plain line rather than the broker's protocol error, for people and scripts.
    const early = await allocationsCli(['lag'], { ...env, CONSUMER_GROUP_PREFIX: name });
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('has the service run?');
    expect(early.stderr).not.toContain('does not host');
    const earlyJson = await allocationsCli(['lag', '--json'], { ...env, CONSUMER_GROUP_PREFIX: name });
    expect(earlyJson.code).toBe(1);
    expect((JSON.parse(earlyJson.stderr.trim()) as { error: string }).error).toContain(
      'has the service run?',
    );

    const plan = await allocationsCli(['provision', '--dry-run'], env);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`${name}\\.dead-letters\\s+2\\s+1\\s+-1\\s+delete\\s+create`));
    expect(plan.stdout).toMatch(
      new RegExp(`${name}\\.dead-letters\\.redrives\\s+1\\s+1\\s+-1\\s+compact\\s+create`),
    );
    const admin = await scope.admin();
    expect((await admin.listTopics()).filter((topic) => topic.startsWith(name))).toEqual([]);

    const first = await allocationsCli(['provision'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created ${name}.domain-events`);
    expect(first.stdout).toMatch(
      new RegExp(`schemas/allocation\\.avsc\\s+${name}\\.allocations-value\\s+\\d+`),
    );
    const { resources } = await admin.describeConfigs({
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: `${name}.dead-letters`,
          configNames: ['retention.ms'],
        },
      ],
      includeSynonyms: false,
    });
    expect(resources[0]?.configEntries[0]?.configValue).toBe('-1');

    const second = await allocationsCli(['provision', '--json'], env);
    expect(second.code).toBe(0);
    const secondJson = JSON.parse(second.stdout) as {
      created: string[];
      schemas: { subject: string; id: number }[];
    };
    expect(secondJson.created).toEqual([]);
    expect(secondJson.schemas.map((schema) => schema.subject)).toEqual(
      ['domain-events', 'allocations', 'iaps-events'].map((topic) => `${name}.${topic}-value`),
    );

    const lagged = await allocationsCli(['lag', '--json'], { ...env, CONSUMER_GROUP_PREFIX: name });
    expect(lagged.code).toBe(0);
    expect(JSON.parse(lagged.stdout)).toEqual({
      partitions: ['processor', 'sink'].flatMap((stage) =>
        [0, 1].map(
          (partition) =>
            expect.objectContaining({ stage, partition, committed: null, end: 0, lag: 0 }) as unknown,
        ),
      ),
      messages: [],
    });
    await admin.deleteTopics({
      topics: [
        ...Object.values(env).filter((value) => value.startsWith(name)),
        `${name}.dead-letters.redrives`,
      ],
    });
  });

  it('refuses to start the service with a bad configuration, naming the variable in one line', async () => {
    const result = await runScript('src/main.ts', [], {
      KAFKA_BROKERS: '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
      ALLOCATIONS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/q',
      HMPPS_AUTH_URL: '',
      HMPPS_AUTH_CLIENT_ID: 'id',
      HMPPS_AUTH_CLIENT_SECRET: 'secret',
      DETAIL_URL_ALLOW_LIST: 'http://127.0.0.1:9090',
      TOPIC_PARTITIONS: 'lots',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('HMPPS_AUTH_URL');
    expect(result.stderr).toContain('TOPIC_PARTITIONS');
    expect(result.stderr).not.toContain('secret');
  });
});
