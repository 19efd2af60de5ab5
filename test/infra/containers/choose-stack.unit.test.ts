import { chooseStack, type StackProbes } from '../../../infra/containers/choose-stack.ts';

/** A machine as the probes see it: everything present unless a test says otherwise. */
function machine(overrides: Partial<Record<keyof StackProbes, boolean>> = {}): StackProbes {
  const has = { engineAnswers: false, java21: true, maven: true, serversFetched: false, ...overrides };
  return {
    engineAnswers: () => has.engineAnswers,
    java21: () => has.java21,
    maven: () => has.maven,
    serversFetched: () => has.serversFetched,
  };
}

describe('which stack a run uses (npm test and npm run dev alike)', () => {
  it('is the one STACK names', () => {
    expect(chooseStack({ STACK: 'containers' }, machine())).toBe('containers');
    expect(chooseStack({ STACK: 'processes' }, machine({ engineAnswers: true }))).toBe('processes');
  });

  it('refuses a STACK it does not know, saying which it knows', () => {
    expect(() => chooseStack({ STACK: 'docker' }, machine())).toThrow(
      'STACK must be containers or processes, not docker',
    );
  });

  it('is the containers stack where a Docker engine answers, even with Java and Maven present', () => {
    expect(chooseStack({}, machine({ engineAnswers: true }))).toBe('containers');
    expect(chooseStack({}, machine({ engineAnswers: true, java21: false, maven: false }))).toBe('containers');
  });

  it('is the process stack where no engine answers and Java 21 and Maven are present', () => {
    expect(chooseStack({}, machine())).toBe('processes');
    // Servers fetched by an earlier run need no Maven.
    expect(chooseStack({}, machine({ maven: false, serversFetched: true }))).toBe('processes');
  });

  it('says what to install for each way where neither can run', () => {
    for (const lacking of [{ java21: false }, { maven: false }, { java21: false, maven: false }]) {
      const choosing = () => chooseStack({}, machine(lacking));
      expect(choosing).toThrow(/Docker/);
      expect(choosing).toThrow(/Java 21/);
      expect(choosing).toThrow(/Maven/);
    }
    expect(() => chooseStack({}, machine({ maven: false }))).toThrow(/found Java 21 or newer, but no mvn/);
  });

  it('asks the machine itself by default: no engine at a socket that does not exist', () => {
    const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', PATH: process.env['PATH'] ?? '' };
    // The machines the tests run on have the process stack's prerequisites, Java 21 and Maven.
    expect(chooseStack(env)).toBe('processes');
  });
});
