import { testcontainersEnv } from '../../../infra/containers/engine.ts';

describe('the testcontainers settings for an engine', () => {
  it('on an engine without a bridge, use the host address and no reaper', () => {
    expect(testcontainersEnv({ host: 'unix:///x/docker.sock', bridge: false })).toEqual({
      DOCKER_HOST: 'unix:///x/docker.sock',
      TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
      TESTCONTAINERS_RYUK_DISABLED: 'true',
    });
  });

  it('on an engine with a bridge, let testcontainers find the host itself, and still use no reaper', () => {
    expect(testcontainersEnv({ host: 'unix:///var/run/docker.sock', bridge: true })).toEqual({
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      TESTCONTAINERS_RYUK_DISABLED: 'true',
    });
  });
});
