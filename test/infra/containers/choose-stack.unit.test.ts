import { chooseStack } from '../../../infra/containers/choose-stack.ts';

describe('which stack a test run uses', () => {
  it('is the one STACK names', () => {
    expect(chooseStack({ STACK: 'containers' })).toBe('containers');
    expect(chooseStack({ STACK: 'processes' })).toBe('processes');
  });

  it('refuses a STACK it does not know, saying which it knows', () => {
    expect(() => chooseStack({ STACK: 'docker' })).toThrow(
      'STACK must be containers or processes, not docker',
    );
  });

  it('is the process stack when no Docker engine answers', () => {
    expect(chooseStack({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toBe('processes');
  });
});
