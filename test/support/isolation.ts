// Each test gets its own topics, consumer groups, queues and database schema, so tests never see each
// other's data and can run against one long-lived stack. A scope cleans up whatever it created.
import { randomUUID } from 'node:crypto';
import { DeleteTopicCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import type { Sequelize } from 'sequelize';
import { provisionAllocationsQueue, type AllocationsQueue } from '../../infra/provision-sns-sqs.ts';
import { PGlite } from '@electric-sql/pglite';
import { startEmbeddedDelius } from '../../infra/embedded-delius.ts';
import { buildDeliusSchema } from '../../infra/delius-schema/build-schema.ts';
import { seedReferenceData } from '../../infra/delius-schema/reference-data.ts';
import { createSequelize } from '../../src/db/sequelize.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { silenceKafkajsNegativeTimeoutWarning } from '../../src/observability/known-warnings.ts';
import { awsClients, requireEnv, stackEnv } from './stack.ts';
import type { registerOracleDouble } from './oracle-double/install.ts';
import type { DoubleSettings } from './oracle-double/session.ts';

silenceKafkajsNegativeTimeoutWarning();

export const testLogger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' });

/** A name no other test uses: lower case, digits and dashes, valid for topics, groups, queues and schemas. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TestScope {
  kafka(): Promise<Kafka>;
  admin(): Promise<Admin>;
  /** A topic of its own, with any topic configuration (for example `max.message.bytes`). */
  topic(options?: { partitions?: number; config?: Record<string, string> }): Promise<string>;
  groupId(): string;
  allocationsQueue(options?: {
    maxReceiveCount?: number;
    visibilityTimeoutSeconds?: number;
  }): Promise<AllocationsQueue>;
  postgres(): Promise<Sequelize>;
  /** A schema of its own in the test database, with its name and the database URL. */
  postgresSchema(): Promise<{ sequelize: Sequelize; schema: string; url: string }>;
  /**
   * An embedded Delius of its own (PGlite, as local runs use) with Delius's tables and reference data, served on
   * a loopback port, reached on one connection as `npm run dev` reaches it. The one asked for before is closed.
   */
  embeddedDelius(): Promise<Sequelize>;
  /** The Oracle double answering for a PostgreSQL schema, unregistered with the scope. */
  oracleDouble(settings: {
    postgresUrl: string;
    schema: string;
    dbTimeZone?: string;
    faultFor?: DoubleSettings['faultFor'];
  }): Promise<ReturnType<typeof registerOracleDouble>>;
  /** Closes a database connection pool with the scope. */
  track(sequelize: Sequelize): Promise<Sequelize>;
  close(): Promise<void>;
}

/**
 * A PGlite database with Delius's tables and reference data, cloned from one built once per test file: making
 * one runs initdb (2–4 s here) and builds the schema, a clone takes about a second.
 */
let deliusTemplate: Promise<PGlite> | undefined;
async function embeddedDeliusDatabase(): Promise<PGlite> {
  deliusTemplate ??= (async () => {
    const template = await PGlite.create('memory://');
    const serving = await startEmbeddedDelius(template, 0, { closeDatabase: false });
    const builder = createSequelize({ url: serving.url }, testLogger);
    try {
      await seedReferenceData(await buildDeliusSchema(builder));
    } finally {
      await builder.close();
      await serving.close();
    }
    return template;
  })();
  // clone() is typed as PGlite's interface; what it returns is a PGlite, which the socket server needs.
  return (await (await deliusTemplate).clone()) as PGlite;
}

export function testScope(name: string): TestScope {
  const cleanups: (() => Promise<unknown>)[] = [];
  let kafka: Kafka | undefined;
  let admin: Admin | undefined;
  let closeEmbedded: (() => Promise<void>) | undefined;

  const scope: TestScope = {
    async kafka() {
      kafka ??= createKafka(
        { brokers: requireEnv(await stackEnv(), 'KAFKA_BROKERS').split(','), clientId: uniqueName(name) },
        testLogger,
      );
      return kafka;
    },
    async admin() {
      if (!admin) {
        const connected = (await scope.kafka()).admin();
        await connected.connect();
        admin = connected;
        cleanups.push(() => connected.disconnect());
      }
      return admin;
    },
    async topic({ partitions = 1, config = {} } = {}) {
      const topic = uniqueName(name);
      const kafkaAdmin = await scope.admin();
      const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
      await kafkaAdmin.createTopics({
        topics: [{ topic, numPartitions: partitions, configEntries }],
        waitForLeaders: true,
      });
      cleanups.push(() => kafkaAdmin.deleteTopics({ topics: [topic] }));
      return topic;
    },
    groupId() {
      return uniqueName(`${name}-group`);
    },
    async allocationsQueue({ maxReceiveCount = 3, visibilityTimeoutSeconds = 30 } = {}) {
      const clients = await awsClients();
      const queueName = uniqueName(name);
      const queue = await provisionAllocationsQueue(clients, {
        topicName: `${queueName}-topic`,
        queueName,
        maxReceiveCount,
        visibilityTimeoutSeconds,
      });
      cleanups.push(async () => {
        await clients.sns.send(new DeleteTopicCommand({ TopicArn: queue.topicArn }));
        await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.queueUrl }));
        await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.deadLetterQueueUrl }));
      });
      return queue;
    },
    async postgres() {
      return (await scope.postgresSchema()).sequelize;
    },
    async postgresSchema() {
      const url = requireEnv(await stackEnv(), 'POSTGRES_URL');
      const schema = uniqueName(name).replaceAll('-', '_');
      // A connection only for the statement: a file of many tests would otherwise hold one per test until its
      // end, and PostgreSQL's 100 connections run out ("sorry, too many clients already").
      const run = async (statement: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(statement);
        } finally {
          await client.end();
        }
      };
      await run(`CREATE SCHEMA "${schema}"`);
      // Idle connections go after a second: a file of many tests opens a pool per test.
      const sequelize = createSequelize({ url, schema, poolIdleMs: 1_000 }, testLogger);
      cleanups.push(async () => {
        await sequelize.close();
        await run(`DROP SCHEMA "${schema}" CASCADE`);
      });
      return { sequelize, schema, url };
    },
    track(sequelize) {
      cleanups.push(() => sequelize.close());
      return Promise.resolve(sequelize);
    },
    async embeddedDelius() {
      // Each holds a whole PostgreSQL in memory: one at a time per scope (tests of a file run one by one, each
      // asking for its own), so the one before is closed first.
      await closeEmbedded?.();
      const delius = await startEmbeddedDelius(await embeddedDeliusDatabase());
      const sequelize = createSequelize({ url: delius.url, poolMax: 1, poolIdleMs: 1_000 }, testLogger);
      const close = async () => {
        closeEmbedded = undefined;
        await sequelize.close();
        await delius.close();
      };
      closeEmbedded = close;
      cleanups.push(() => (closeEmbedded === close ? close() : Promise.resolve()));
      return sequelize;
    },
    async oracleDouble({ dbTimeZone = '+00:00', ...settings }) {
      const { registerOracleDouble } = await import('./oracle-double/install.ts');
      const double = registerOracleDouble(uniqueName(name).replaceAll('-', '_'), { ...settings, dbTimeZone });
      cleanups.push(async () => {
        double.unregister();
        await Promise.all([...double.sessions].map((session) => session.close()));
      });
      return double;
    },
    async close() {
      // Last created, first cleaned: a topic is deleted before the admin that created it disconnects.
      for (const cleanup of cleanups.reverse()) await cleanup();
      cleanups.length = 0;
      admin = undefined;
    },
  };
  return scope;
}
