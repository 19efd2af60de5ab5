// docker compose does not run here; this plays its `app` profile as processes, one per service, with the
// environment and command the file gives each, so that what the file says is what runs: the addresses of the
// compose network are mapped onto the test stack's, and the names every test makes its own are its own.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { rootDir } from '../../infra/paths.ts';
import { eventually } from '../support/eventually.ts';
import { testScope, uniqueName } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { runScript, spawnScript } from '../support/processes.ts';
import { requireEnv, stackEnv } from '../support/stack.ts';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  build?: string | { target?: string };
}

async function composeServices(): Promise<Record<string, ComposeService>> {
  const compose = parse(await readFile(path.join(rootDir, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, ComposeService>;
  };
  return compose.services;
}

/** The script a service's command runs (`node <script>`), checked to be one. */
function scriptOf(service: ComposeService): string {
  const [node, script, ...rest] = service.command ?? [];
  expect(node).toBe('node');
  expect(rest).toEqual([]);
  return script ?? '';
}

describe('docker compose --profile app', () => {
  const scope = testScope('compose-app');
  afterAll(() => scope.close());

  it('runs the whole pipeline on its own: the app on a Delius set up by delius-setup and the local Workload API, fed by send-examples', async () => {
    const services = await composeServices();
    const { app, 'workload-api': api, 'delius-setup': setup, 'send-examples': send } = services;
    if (!app || !api || !setup || !send)
      throw new Error('the compose file lacks a service of the app profile');
    expect(app.depends_on?.['delius-setup']?.condition).toBe('service_completed_successfully');
    expect(app.depends_on?.['workload-api']?.condition).toBe('service_healthy');
    for (const local of [api, setup, send]) expect(local.build).toEqual({ context: '.', target: 'local' });

    const env = await stackEnv();
    const queue = await scope.allocationsQueue();
    const { schema } = await scope.postgresSchema();
    const postgres = new URL(requireEnv(env, 'POSTGRES_URL'));
    const apiPort = String(40_000 + Math.floor(Math.random() * 20_000));
    // The compose network's names, as this machine reaches the same servers.
    const addresses: [string, string][] = [
      ['kafka:29092', requireEnv(env, 'KAFKA_BROKERS')],
      ['http://schema-registry:8080/apis/ccompat/v7', requireEnv(env, 'SCHEMA_REGISTRY_URL')],
      ['http://sqs:4566', requireEnv(env, 'AWS_ENDPOINT_URL')],
      ['postgres:5432', postgres.host],
      ['workload-api:9090', `127.0.0.1:${apiPort}`],
    ];
    const local = (variables: Record<string, string> = {}) =>
      Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          addresses.reduce((mapped, [from, to]) => mapped.replaceAll(from, to), String(value)),
        ]),
      );
    const name = uniqueName('compose');
    const isolation = {
      DATABASE_SCHEMA: schema,
      ALLOCATIONS_QUEUE_URL: queue.queueUrl,
      DOMAIN_EVENTS_TOPIC_ARN: queue.topicArn,
      DOMAIN_EVENTS_TOPIC: `${name}.domain-events`,
      ALLOCATIONS_TOPIC: `${name}.allocations`,
      IAPS_EVENTS_TOPIC: `${name}.iaps-events`,
      DEAD_LETTER_TOPIC: `${name}.dead-letters`,
      CONSUMER_GROUP_PREFIX: name,
    };

    const workloadApi = spawnScript(scriptOf(api), [], {
      ...local(api.environment),
      PORT: apiPort,
      HOST: '127.0.0.1',
    });
    let appProcess: ReturnType<typeof spawnScript> | undefined;
    try {
      await eventually(() => workloadApi.printed.stdout.includes('listening at'));
      const prepared = await runScript(scriptOf(setup), [], {
        ...local(setup.environment),
        DATABASE_SCHEMA: schema,
      });
      expect(prepared.stdout).toContain('created the local Delius');
      expect(prepared.code).toBe(0);
      const again = await runScript(scriptOf(setup), [], {
        ...local(setup.environment),
        DATABASE_SCHEMA: schema,
      });
      expect(again.stdout).toContain('ready already');

      // As compose starts it: once delius-setup completed and the Workload API answers.
      appProcess = spawnScript('src/main.ts', [], {
        ...local(app.environment),
        ...isolation,
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
      });
      const started = appProcess;
      const port = await eventually(
        () => {
          if (started.child.exitCode !== null)
            throw new Error(`the app exited with ${started.child.exitCode}:\n${started.printed.both}`);
          return /"httpPort":(\d+)/.exec(started.printed.both)?.[1] ?? false;
        },
        { timeoutMs: ceiling(60_000) },
      );
      const sent = await runScript(scriptOf(send), [], {
        ...local(send.environment),
        DOMAIN_EVENTS_TOPIC_ARN: queue.topicArn,
      });
      expect(sent.stdout).toContain('published 15 example allocation events');
      expect(sent.code).toBe(0);

      // Every example reaches Delius: applied, or found a duplicate of an earlier one.
      const sinkOutcomes = async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const count = (outcome: string) =>
          [
            ...metrics.matchAll(
              new RegExp(
                `^allocations_messages_total\\{[^}]*stage="sink"[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
                'gm',
              ),
            ),
          ]
            .map((match) => Number(match[1]))
            .reduce((sum, value) => sum + value, 0);
        return {
          applied: count('applied'),
          duplicate: count('duplicate'),
          deadLettered: count('dead-letter'),
        };
      };
      expect(
        await eventually(
          async () => {
            const outcomes = await sinkOutcomes();
            return outcomes.applied + outcomes.duplicate + outcomes.deadLettered >= 15 && outcomes;
          },
          { timeoutMs: ceiling(90_000) },
        ),
      ).toEqual({ applied: 12, duplicate: 3, deadLettered: 0 });
    } finally {
      const children = [workloadApi.child, ...(appProcess ? [appProcess.child] : [])];
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(null))),
        ),
      );
    }
  });
});
