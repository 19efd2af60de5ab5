import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Sequelize } from 'sequelize';
import { examplesDir } from '../../infra/examples.ts';
import { parseAllocationDetail } from '../../src/domain/allocation-detail.ts';
import { crnOf, parseNotification } from '../../src/domain/domain-event.ts';
import type { AllocationRequest } from '../../src/delius/apply-allocation.ts';
import { createSequelize } from '../../src/db/sequelize.ts';
import { openDeliusDb, type DeliusDb } from '../../src/delius/delius-db.ts';
import { buildDeliusSchema } from '../../infra/delius-schema/build-schema.ts';
import { seedExampleData } from '../../infra/delius-schema/example-data.ts';
import { auditUserName, seedReferenceData } from '../../infra/delius-schema/reference-data.ts';
import type { Clock } from '../../src/delius/time.ts';
import { testLogger, type TestScope } from './isolation.ts';
import type { DoubleSettings } from './oracle-double/session.ts';

export { examplePairs, examplesDir } from '../../infra/examples.ts';

/** A Delius schema with its reference data, in the test's own PostgreSQL schema or embedded database. */
/**
 * `npm run test:oracle` sets this to an Oracle user the tests may empty and rebuild (for example compose's
 * `--profile oracle`): then the Delius tests that would use PostgreSQL use it instead.
 */
export const oracleTestUrl = process.env['DELIUS_TEST_ORACLE_URL'];

/**
 * The jest project `oracle-double` sets this: the Delius tests that would use PostgreSQL then run through
 * Sequelize's Oracle dialect and a real node-oracledb connection whose network layer is the Oracle double
 * (test/support/oracle-double/), over a PostgreSQL schema of their own.
 */
export const oracleDoubleBackend = process.env['DELIUS_TEST_BACKEND'] === 'oracle-double';

/** The jest project `embedded` sets this: the Delius tests run on the embedded PGlite Delius of local runs. */
export const embeddedBackend = process.env['DELIUS_TEST_BACKEND'] === 'embedded';

export async function testDelius(scope: TestScope, options: { clock?: Clock } = {}): Promise<DeliusDb> {
  if (oracleTestUrl) return oracleDelius(scope, oracleTestUrl, options.clock);
  if (oracleDoubleBackend) return oracleDoubleDelius(scope, options.clock);
  if (embeddedBackend) return openDelius(await scope.embeddedDelius(), options.clock);
  return deliusIn(await scope.postgres(), options.clock);
}

/**
 * Built and seeded on a connection of its own, since the service's connections call PKG_VPD_CTX when they open
 * (C15), and the stand-in package is part of what is built.
 */
async function oracleDelius(scope: TestScope, url: string, clock?: Clock): Promise<DeliusDb> {
  const builder = createSequelize({ url }, testLogger);
  try {
    await seedReferenceData(await buildDeliusSchema(builder, { disposableOracleUser: true }));
  } finally {
    await builder.close();
  }
  const sequelize = await scope.track(createSequelize({ url, clientIdentifier: auditUserName }, testLogger));
  return openDeliusDb({ sequelize, auditUserName, logger: testLogger, ...(clock ? { clock } : {}) });
}

/** The schema built and seeded on PostgreSQL; then the service's Oracle connections, through the double, over it. */
export async function oracleDoubleDelius(scope: TestScope, clock?: Clock): Promise<DeliusDb> {
  return (await oracleDoubleDeliusWith(scope, clock ? { clock } : {})).db;
}

/**
 * A PostgreSQL schema with Delius's tables and reference data, for the double to answer from, and the part of
 * Oracle's data dictionary the service reads at start-up: ALL_OBJECTS, listing the two Delius packages (the
 * double runs their stand-ins: the caseload rebuild's recording function, the session's client identifier).
 */
export async function oracleDoubleSchema(scope: TestScope) {
  const { sequelize: builder, schema, url: postgresUrl } = await scope.postgresSchema();
  await seedReferenceData(await buildDeliusSchema(builder));
  await addOracleDataDictionary(builder);
  return { builder, schema, postgresUrl };
}

/** ALL_OBJECTS, as the double shows it: the two Delius packages whose stand-ins it runs. */
export async function addOracleDataDictionary(builder: Sequelize): Promise<void> {
  await builder.query(
    `CREATE VIEW "ALL_OBJECTS" AS SELECT * FROM (VALUES ('DELIUS_APP_SCHEMA', 'PKG_TRIGGERSUPPORT', 'PACKAGE'),
       ('DELIUS_APP_SCHEMA', 'PKG_VPD_CTX', 'PACKAGE')) AS objects ("OWNER", "OBJECT_NAME", "OBJECT_TYPE")`,
  );
}

/** As `oracleDoubleDelius`, with the double itself (its sessions and what they were sent) and its settings. */
export async function oracleDoubleDeliusWith(
  scope: TestScope,
  options: { clock?: Clock; dbTimeZone?: string; faultFor?: DoubleSettings['faultFor'] } = {},
) {
  const { schema, postgresUrl } = await oracleDoubleSchema(scope);
  const double = await scope.oracleDouble({
    postgresUrl,
    schema,
    ...(options.dbTimeZone ? { dbTimeZone: options.dbTimeZone } : {}),
    ...(options.faultFor ? { faultFor: options.faultFor } : {}),
  });
  const sequelize = await scope.track(
    createSequelize({ url: double.url, clientIdentifier: auditUserName, poolIdleMs: 1_000 }, testLogger),
  );
  const db = await openDeliusDb({
    sequelize,
    auditUserName,
    logger: testLogger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { db, double };
}

async function deliusIn(sequelize: Sequelize, clock?: Clock): Promise<DeliusDb> {
  await seedReferenceData(await buildDeliusSchema(sequelize));
  return openDelius(sequelize, clock);
}

function openDelius(sequelize: Sequelize, clock?: Clock): Promise<DeliusDb> {
  return openDeliusDb({ sequelize, auditUserName, logger: testLogger, ...(clock ? { clock } : {}) });
}

/** A PostgreSQL Delius with the example data, and what a service process needs to connect to it. */
/** What the Oracle double behind a pipeline raises instead of running a statement, while `raise` says so. */
export interface OracleFaults {
  raise: DoubleSettings['faultFor'];
}

/**
 * The Delius a pipeline test runs on: a PostgreSQL schema, seeded with the example data, which the test reads
 * and writes directly. In the `oracle-double` project the service reaches it as production does, through
 * Sequelize's Oracle dialect and node-oracledb (over the Oracle double): `serviceUrl` says how.
 */
export async function testDeliusDatabase(scope: TestScope) {
  const { sequelize, schema, url } = await scope.postgresSchema();
  const db = await deliusIn(sequelize);
  const data = await seedExampleData(db.models);
  let serviceUrl = url;
  let oracle: { double: Awaited<ReturnType<TestScope['oracleDouble']>>; faults: OracleFaults } | undefined;
  if (oracleDoubleBackend) {
    await addOracleDataDictionary(sequelize);
    const faults: OracleFaults = { raise: undefined };
    const double = await scope.oracleDouble({
      postgresUrl: url,
      schema,
      faultFor: (sql) => faults.raise?.(sql),
    });
    serviceUrl = double.url;
    oracle = { double, faults };
  }
  return { db, data, schema, url, serviceUrl, oracle };
}

export async function readExample<T = unknown>(file: string): Promise<T> {
  return JSON.parse(await readFile(path.join(examplesDir, file), 'utf8')) as T;
}

/** The allocation an example message and its detail body make, as the pipeline will hand it to Delius. */
export async function exampleRequest(messageFile: string, detailFile: string): Promise<AllocationRequest> {
  const { event } = parseNotification(JSON.stringify(await readExample(messageFile)));
  return { ...parseAllocationDetail(await readExample(detailFile)), messageCrn: crnOf(event) };
}
