// `npm run test:oracle`: the Delius suites on a real Oracle. The one DELIUS_TEST_ORACLE_URL names (a user whose
// objects it may drop), or else, where a Docker engine answers and can pull the image, an Oracle Free container
// (docker-compose.yml's `oracle` image) started for the run and removed after it. Where neither is to be had it
// says so in one line and exits 2. No Oracle can run on the machines this project is built on, so CI never calls
// it; `npm test` runs the same suites through the Oracle double (README, "Running against Oracle").
import { spawn } from 'node:child_process';
import path from 'node:path';
import { firstLineOf } from '../src/domain/errors.ts';
import { answeringEngineHost, testcontainersEnv } from './containers/engine.ts';
import { rootDir } from './paths.ts';
import { servers } from './versions.ts';

function runSuites(url: string): Promise<number> {
  const jest = path.join(rootDir, 'node_modules/jest/bin/jest.js');
  const args = ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jest, '--runInBand'];
  const child = spawn(process.execPath, [...args, '--selectProjects', 'oracle', ...process.argv.slice(2)], {
    cwd: rootDir,
    env: { ...process.env, DELIUS_TEST_ORACLE_URL: url, DELIUS_TEST_ORACLE_PROJECT: '1' },
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function inContainer(host: string): Promise<number> {
  Object.assign(process.env, testcontainersEnv({ host, bridge: true }));
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = servers.oracle.image;
  console.log(
    `[test:oracle] starting ${image} on the Docker engine at ${host} (the first pull takes minutes)`,
  );
  let container;
  try {
    container = await new GenericContainer(image)
      .withEnvironment({ ORACLE_PASSWORD: 'oracle', APP_USER: 'delius', APP_USER_PASSWORD: 'delius' })
      .withExposedPorts(1521)
      .withWaitStrategy(Wait.forLogMessage('DATABASE IS READY TO USE!'))
      .withStartupTimeout(15 * 60_000)
      .start();
  } catch (error) {
    console.error(
      `test:oracle: the Docker engine at ${host} could not start ${image}: ${firstLineOf(error)}`,
    );
    return 2;
  }
  try {
    return await runSuites(
      `oracle://delius:delius@${container.getHost()}:${container.getMappedPort(1521)}/FREEPDB1`,
    );
  } finally {
    await container.stop();
  }
}

const url = process.env['DELIUS_TEST_ORACLE_URL'];
const host = url ? undefined : answeringEngineHost();
if (url) process.exitCode = await runSuites(url);
else if (host) process.exitCode = await inContainer(host);
else {
  console.error(
    'test:oracle needs an Oracle: set DELIUS_TEST_ORACLE_URL=oracle://USER:PASSWORD@HOST:1521/SERVICE (a user whose ' +
      'objects it may drop), or run it where a Docker engine answers, to start Oracle Free; neither is here',
  );
  process.exitCode = 2;
}
