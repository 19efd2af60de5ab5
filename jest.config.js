// Tests are TypeScript ES modules run by ts-jest under Node's VM modules (see the `test` script).
// The global setup starts the real local stack (or reuses a running one), exactly once per run.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  // The global setup and teardown run outside the test sandbox: Node 24 loads them (and infra/) as TypeScript itself.
  transformIgnorePatterns: ['/node_modules/', '/test/support/global-(setup|teardown)\\.ts$'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // A ceiling, not a schedule: tests end as soon as what they wait for happens (test/support/patience.ts).
  testTimeout: 15 * 60_000,
};
