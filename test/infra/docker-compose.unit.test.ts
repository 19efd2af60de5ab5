import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';
import { kafkaVersion } from '../../infra/kafka.ts';
import { apicurioVersion } from '../../infra/registry.ts';
import { servers } from '../../infra/versions.ts';
import {
  allocationsQueueName,
  allocationsQueueSpec,
  awsRegion,
  domainEventsTopicName,
} from '../../infra/stack.ts';
import { allocationsFilterPolicy } from '../../src/domain/event-types.ts';

// docker compose itself does not run in the tests, so this keeps it from drifting away from infra/.
describe('docker-compose.yml and the fauxqs init file', () => {
  it('name each server version in one place, which the process stack takes', async () => {
    const compose = await readFile(path.join(rootDir, 'docker-compose.yml'), 'utf8');
    const pom = await readFile(path.join(rootDir, 'infra', 'kafka', 'pom.xml'), 'utf8');
    const packageJson = JSON.parse(await readFile(path.join(rootDir, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(compose).toContain(`image: apache/kafka:${kafkaVersion}`);
    expect(compose).toContain(`image: apicurio/apicurio-registry:${apicurioVersion}`);
    expect(servers.postgres.image).toMatch(/^postgres:\d+/);
    // The pom takes the Kafka version from the command line, and the process stack runs the fauxqs package.
    expect(pom).not.toContain(`<kafka.version>`);
    expect(pom).toContain('${kafka.version}');
    expect(servers.sqs.version).toBe(packageJson.devDependencies['fauxqs']);
  });

  it('provision the same topic, queues, redrive and filter policy as the stack', async () => {
    const init = JSON.parse(await readFile(path.join(rootDir, 'infra', 'fauxqs-init.json'), 'utf8')) as {
      region: string;
      topics: { name: string }[];
      queues: { name: string; attributes?: Record<string, string> }[];
      subscriptions: { topic: string; queue: string; attributes: Record<string, string> }[];
    };
    expect(init.region).toBe(awsRegion);
    expect(init.topics.map((topic) => topic.name)).toEqual([domainEventsTopicName]);
    const main = init.queues.find((queue) => queue.name === allocationsQueueName);
    expect(JSON.parse(main?.attributes?.['RedrivePolicy'] ?? '{}')).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:${awsRegion}:000000000000:${allocationsQueueName}-dlq`,
      maxReceiveCount: allocationsQueueSpec.maxReceiveCount,
    });
    expect(main?.attributes?.['VisibilityTimeout']).toBe(
      String(allocationsQueueSpec.visibilityTimeoutSeconds),
    );
    expect(init.subscriptions).toHaveLength(1);
    expect(init.subscriptions[0]?.queue).toBe(allocationsQueueName);
    expect(JSON.parse(init.subscriptions[0]?.attributes['FilterPolicy'] ?? '{}')).toEqual(
      allocationsFilterPolicy,
    );
  });

  it('run the image on the one-broker stack with topic creation, schema registration and one replica, and reach only what compose serves', async () => {
    const compose = parse(await readFile(path.join(rootDir, 'docker-compose.yml'), 'utf8')) as {
      services: { app: { environment: Record<string, string>; extra_hosts?: string[] } };
    };
    expect(compose.services.app.environment).toMatchObject({
      KAFKA_CREATE_TOPICS: 'true',
      SCHEMA_REGISTER: 'true',
      KAFKA_REPLICATION_FACTOR: '1',
    });
    // The Workload API and HMPPS Auth are a service of the file (test/infra/compose-app.test.ts runs them).
    expect(compose.services.app.extra_hosts).toBeUndefined();
    expect(compose.services.app.environment['HMPPS_AUTH_URL']).toBe('http://workload-api:9090');
    expect(compose.services.app.environment['DETAIL_URL_ALLOW_LIST']).toBe('http://workload-api:9090');
  });
});
