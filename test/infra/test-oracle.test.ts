import { runScript } from '../support/processes.ts';

describe('npm run test:oracle', () => {
  it('says in one line what it needs and exits 2 where there is neither an Oracle URL nor a Docker engine', async () => {
    const { code, stdout, stderr } = await runScript('infra/test-oracle.ts', [], {
      DELIUS_TEST_ORACLE_URL: '',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      'test:oracle needs an Oracle: set DELIUS_TEST_ORACLE_URL=oracle://USER:PASSWORD@HOST:1521/SERVICE (a user whose ' +
        'objects it may drop), or run it where a Docker engine answers, to start Oracle Free; neither is here',
    ]);
  });
});
