// The production image, built from the Dockerfile and run as a container against the stack, as a cluster runs it.
// Needs a Docker engine: it runs with the containers stack (jest.config.js).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { docker, dockerBuild } from '../../infra/containers/docker.ts';
import { containersStackInfo } from '../../infra/containers/stack.ts';
import { rootDir } from '../../infra/paths.ts';
import { choosePort } from '../../infra/processes.ts';
import { writtenRowCounts } from '../support/delius-queries.ts';
import { eventually } from '../support/eventually.ts';
import { testScope, uniqueName } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { allocationsCli } from '../support/processes.ts';

describe('the production image', () => {
  const scope = testScope('image');
  const tag = `workforce-allocations-to-delius:${uniqueName('test')}`;
  let pipeline: TestPipeline | undefined;
  let info: Awaited<ReturnType<typeof containersStackInfo>>;
  let buildLog = '';
  const buildNumber = '2026-12-06.1.test';
  const gitRef = 'abcdef0123456789';

  beforeAll(async () => {
    info = await containersStackInfo();
    await dockerBuild(
      info.engine.host,
      {
        tag,
        dockerfile: await readFile(path.join(rootDir, 'Dockerfile'), 'utf8'),
        context: rootDir,
        buildArgs: { BASE_IMAGE: info.nodeImage, BUILD_NUMBER: buildNumber, GIT_REF: gitRef },
      },
      (line) => {
        buildLog += `${line}\n`;
      },
    );
  }, ceiling(900_000));

  afterAll(async () => {
    await pipeline?.close();
    await scope.close();
    await docker(info.engine.host, ['image', 'rm', '--force', tag]).catch(() => undefined);
  });

  it('becomes ready, applies an allocation end to end, runs as a user that cannot change its code, reports health on the configured port, and stops within its grace on SIGTERM', async () => {
    expect(buildLog).toContain(`Successfully tagged ${tag}`);
    pipeline = await testPipeline(scope, { stages: [] });
    const port = await choosePort(18380);
    // The grace Kubernetes must give the service: SQS_WAIT_TIME_SECONDS + 10 s (README "Stopping").
    const graceSeconds = Number(pipeline.env['SQS_WAIT_TIME_SECONDS']) + 10;
    // The image runs with production's defaults, creating no topic and registering no schema: they are
    // provisioned beforehand with the tool, as docs/runbook.md says a platform team does.
    const provisioned = await allocationsCli(['provision'], pipeline.env);
    expect(provisioned.code).toBe(0);
    const { GenericContainer } = await info.testcontainers();
    // The host's network: the stack's servers and the Workload API listen on its loopback.
    const container = await new GenericContainer(tag)
      .withNetworkMode('host')
      .withEnvironment({ ...pipeline.env, HTTP_PORT: String(port), LOG_LEVEL: 'info' })
      .start();
    const id = container.getId();
    const logs = () => docker(info.engine.host, ['logs', id]).catch((error: unknown) => String(error));
    try {
      const ready = await eventually(
        async () => (await fetch(`http://127.0.0.1:${port}/health/readiness`)).status === 200,
        { timeoutMs: ceiling(120_000) },
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await logs()}`);
      });
      expect(ready).toBe(true);
      // The build arguments say which build runs; the configuration is not shown.
      const shown = (await (await fetch(`http://127.0.0.1:${port}/info`)).json()) as Record<string, unknown>;
      expect(shown).toMatchObject({ version: buildNumber, build: { number: buildNumber, gitRef } });
      expect(shown['config']).toBeUndefined();

      const before = await writtenRowCounts(pipeline.delius.db);
      await pipeline.publishExample('person-allocation-message.json');
      const after = await eventually(
        async () => {
          const counts = await writtenRowCounts(pipeline!.delius.db);
          return counts.personManagers > before.personManagers && counts;
        },
        { timeoutMs: ceiling(60_000) },
      );
      expect(after.personManagers).toBe(before.personManagers + 1);
      expect(after.contacts).toBeGreaterThan(before.contacts);

      const user = await container.exec(['id', '-u']);
      expect(user.exitCode).toBe(0);
      expect(Number(user.stdout.trim())).toBeGreaterThan(0);
      // The local-run-only packages are not in the image.
      const local = await container.exec([
        'node',
        '-e',
        "for (const name of ['@electric-sql/pglite', 'pino-pretty']) { try { require.resolve(name); console.log(name) } catch {} }",
      ]);
      expect(local.stdout.trim()).toBe('');
      const write = await container.exec(['touch', '/app/dist/main.js']);
      expect(write.exitCode).not.toBe(0);
      expect(write.stderr).toContain('Permission denied');

      // The image's HEALTHCHECK asks the port the service was given, not the default 8080.
      const health = await eventually(
        async () => {
          const status = await docker(info.engine.host, [
            'inspect',
            '--format',
            '{{.State.Health.Status}}',
            id,
          ]);
          return status === 'healthy' && status;
        },
        { timeoutMs: ceiling(90_000) },
      );
      expect(health).toBe('healthy');

      const stoppedAt = performance.now();
      await container.stop({ timeout: graceSeconds * 1000, remove: false });
      const stopSeconds = (performance.now() - stoppedAt) / 1000;
      // Exit code 0: it stopped by itself; docker kills (137) one that outlives the grace.
      const exitCode = await docker(info.engine.host, ['inspect', '--format', '{{.State.ExitCode}}', id]);
      const output = await logs();
      expect({ exitCode, stopped: output.includes('"msg":"service stopped"') }).toEqual({
        exitCode: '0',
        stopped: true,
      });
      console.log(`[image] stopped in ${stopSeconds.toFixed(1)} s of a ${graceSeconds} s grace`);
    } finally {
      await docker(info.engine.host, ['rm', '--force', id]).catch(() => undefined);
    }
  });
});
