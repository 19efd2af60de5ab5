/* global process */
// Tests are TypeScript ES modules run by ts-jest under Node's VM modules (see the `test` scripts).
// Two projects: `unit` (*.unit.test.ts: fakes, no servers) and `integration` (the rest, against the real
// local stack, which its global setup starts once, or reuses, and stops if it started it).
import { chooseStack } from './infra/containers/choose-stack.ts';

// The integration tests' stack: STACK=containers|processes, or containers when a Docker engine answers. Chosen
// once here, so that the global setup and the tests agree; test/image/ (the production image, built and run as a
// container) needs an engine, so it runs with the containers stack.
const stack = chooseStack();
process.env.STACK = stack;
const needsDocker = stack === 'containers' ? [] : ['/test/image/'];
/** The suites that run on the Oracle double as they run on PostgreSQL. */
const oracleDoubleSuites = [
  'db/oracle-double',
  'db/oracle-errors',
  'delius/rules',
  'delius/examples',
  'delius/history',
  'delius/idempotency',
  'delius/edges',
  'delius/statement-budget',
  'delius/transaction',
  'delius/concurrency',
  'delius/delius-db',
  'delius/oracle-prerequisites',
  // The whole pipeline, its sink on Oracle: every example, and a person's allocations in every order.
  'e2e/examples',
  'e2e/order-per-person',
  'e2e/oracle-outage',
];
/** The Delius suites, run on the embedded PGlite of local runs as they run on PostgreSQL and the Oracle double. */
const embeddedSuites = [
  'delius/rules',
  'delius/examples',
  'delius/history',
  'delius/idempotency',
  'delius/edges',
  'delius/statement-budget',
  'delius/transaction',
  'delius/concurrency',
];
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  // The global setup and teardown run outside the test sandbox: Node 24 loads them (and infra/) as TypeScript itself.
  transformIgnorePatterns: ['/node_modules/', '/test/support/global-(setup|teardown)\\.ts$'],
};

/** @type {import('jest').Config} */
export default {
  // A ceiling, not a schedule: tests end as soon as what they wait for happens (test/support/patience.ts).
  testTimeout: 15 * 60_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.test.ts'],
      // The suites about the Oracle double itself run in its own project only.
      testPathIgnorePatterns: [
        '/node_modules/',
        '\\.unit\\.test\\.ts$',
        '/test/db/oracle-(double|errors)\\.test\\.ts$',
        '/test/delius/oracle-prerequisites\\.test\\.ts$',
        '/test/e2e/oracle-outage\\.test\\.ts$',
        ...needsDocker,
      ],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The Delius suites through Sequelize's Oracle dialect and a real node-oracledb connection whose network layer is
    // the Oracle double (test/support/oracle-double/): production's dialect and driver, over PostgreSQL.
    {
      ...shared,
      displayName: 'oracle-double',
      testMatch: oracleDoubleSuites.map((suite) => `<rootDir>/test/${suite}.test.ts`),
      setupFiles: ['<rootDir>/test/support/oracle-double/backend.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The Delius suites on the embedded Delius of local runs (infra/embedded-delius.ts: PGlite over its socket).
    {
      ...shared,
      displayName: 'embedded',
      testMatch: embeddedSuites.map((suite) => `<rootDir>/test/${suite}.test.ts`),
      setupFiles: ['<rootDir>/test/support/embedded-backend.ts'],
    },
    // `npm run test:oracle`: the Delius module's tests against the Oracle user DELIUS_TEST_ORACLE_URL names.
    ...(process.env.DELIUS_TEST_ORACLE_PROJECT && process.env.DELIUS_TEST_ORACLE_URL
      ? [
          {
            ...shared,
            displayName: 'oracle',
            testMatch: ['<rootDir>/test/delius/**/*.test.ts'],
            testPathIgnorePatterns: [
              '/node_modules/',
              '\\.unit\\.test\\.ts$',
              '/test/delius/oracle-prerequisites\\.test\\.ts$',
            ],
          },
        ]
      : []),
  ],
};
