// What each Oracle failure means to the service, raised the way production would meet it: an Oracle server's
// answer (the double's), decoded by node-oracledb's thin driver and wrapped by Sequelize's Oracle dialect, then
// read by the one classifier. Each has the meaning of its PostgreSQL equivalent: an outage is waited out
// (`database-unavailable`, which the sink waits on), a transient failure retried (`database-busy`), and a
// fault of the statement itself is not retried.
import { QueryTypes, type Sequelize } from 'sequelize';
import { classifyError } from '../../src/classify-error.ts';
import { createSequelize } from '../../src/db/sequelize.ts';
import type { AppError } from '../../src/domain/errors.ts';
import type { OracleError } from '../support/oracle-double/responses.ts';
import { testLogger, testScope } from '../support/isolation.ts';

const ora = (num: number, text: string): OracleError => ({
  num,
  message: `ORA-${String(num).padStart(5, '0')}: ${text}`,
});

/** Refused at login: the pool cannot open a connection. */
const refusedLogins: [string, OracleError, AppError['code']][] = [
  [
    'a wrong password (a rotated secret)',
    ora(1017, 'invalid credential or not authorized; logon denied'),
    'database-unavailable',
  ],
  ['a locked account', ora(28000, 'The account is locked.'), 'database-unavailable'],
  [
    'no matching authentication protocol',
    ora(28040, 'No matching authentication protocol'),
    'database-unavailable',
  ],
  [
    'start-up or shut-down in progress',
    ora(1033, 'ORACLE initialization or shutdown in progress'),
    'database-unavailable',
  ],
  [
    'the instance not available',
    ora(1034, 'The Oracle instance is not available for use. Start the instance.'),
    'database-unavailable',
  ],
  [
    'a listener that does not know the service',
    ora(12514, 'Cannot connect to database. Service DNDA is not registered with the listener'),
    'database-unavailable',
  ],
  [
    'no listener',
    ora(12541, 'Cannot connect. No listener at host delius-db port 1521.'),
    'database-unavailable',
  ],
  [
    'a connect timeout',
    ora(12170, 'Cannot connect. TCP connect timeout of 20s for host delius-db port 1521.'),
    'database-unavailable',
  ],
];

/** Raised by a statement on an open connection. */
const statementFailures: [string, OracleError, AppError['code'], boolean][] = [
  [
    'the connection lost mid-statement (end-of-file on the channel)',
    ora(3113, 'end-of-file on communication channel'),
    'database-unavailable',
    true,
  ],
  ['the connection gone', ora(3114, 'not connected to ORACLE'), 'database-unavailable', true],
  ['the connection lost contact', ora(3135, 'connection lost contact'), 'database-unavailable', true],
  [
    'an immediate shutdown in progress',
    ora(1089, 'immediate shutdown or close in progress - no operations are permitted'),
    'database-unavailable',
    true,
  ],
  [
    'the instance terminated',
    ora(1092, 'ORACLE instance terminated. Disconnection forced'),
    'database-unavailable',
    true,
  ],
  ['a deadlock', ora(60, 'deadlock detected while waiting for resource'), 'database-busy', true],
  [
    'a row locked by another session',
    ora(54, 'resource busy and acquire with NOWAIT specified or timeout expired'),
    'database-busy',
    true,
  ],
  [
    'a lock wait past its timeout',
    ora(30006, 'resource busy; acquire with WAIT timeout expired'),
    'database-busy',
    true,
  ],
  [
    'a serialisation failure',
    ora(8177, "can't serialize access for this transaction"),
    'database-busy',
    true,
  ],
  [
    'package state discarded (a Delius release recompiled a package)',
    ora(4068, 'existing state of packages has been discarded'),
    'database-busy',
    true,
  ],
  ['a call that cannot safely be replayed', ora(25408, 'can not safely replay call'), 'database-busy', true],
  [
    'a statement cancelled by its time limit',
    ora(1013, 'user requested cancel of current operation'),
    'database-busy',
    true,
  ],
  [
    'a table that does not exist (a deployment fault, not an outage)',
    ora(942, 'table or view does not exist'),
    'unexpected',
    false,
  ],
  ['an invalid number (a fault of the statement)', ora(1722, 'invalid number'), 'unexpected', false],
];

describe('an Oracle failure, classified as its PostgreSQL equivalent is', () => {
  const scope = testScope('oracle-errors');
  let fault: OracleError | undefined;
  let sequelize: Sequelize;
  let double: Awaited<ReturnType<typeof scope.oracleDouble>>;
  beforeAll(async () => {
    const { schema, url: postgresUrl } = await scope.postgresSchema();
    double = await scope.oracleDouble({
      postgresUrl,
      schema,
      faultFor: (sql) => (sql.includes('PROBE') ? fault : undefined),
    });
    sequelize = await scope.track(createSequelize({ url: double.url, poolIdleMs: 1_000 }, testLogger));
  });
  afterEach(() => {
    fault = undefined;
    double.refuseLogins(undefined);
  });
  afterAll(() => scope.close());

  const failureOf = async (on = sequelize) => {
    // Only this statement fails: the driver's own statements at login (DBTIMEZONE) are answered.
    const error = await on.query('SELECT 1 AS PROBE FROM DUAL', { type: QueryTypes.SELECT }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeDefined();
    return { raised: error as Error, classified: classifyError(error) };
  };

  it.each(refusedLogins)('a login refused for %s is an outage, waited out', async (_, error, code) => {
    // A pool of its own, so that it holds no connection yet: the query needs a login.
    const fresh = await scope.track(createSequelize({ url: double.url, poolIdleMs: 1_000 }, testLogger));
    double.refuseLogins(error);
    const { raised, classified } = await failureOf(fresh);
    expect(raised.name).toMatch(/^Sequelize/);
    expect(raised.message).toContain(`ORA-${String(error.num).padStart(5, '0')}`);
    expect({ code: classified.code, retryable: classified.retryable }).toEqual({ code, retryable: true });
    // The same connection pool logs in again once the database takes it.
    double.refuseLogins(undefined);
    await expect(fresh.query('SELECT 1 AS X FROM DUAL', { type: QueryTypes.SELECT })).resolves.toEqual([
      { X: 1 },
    ]);
  });

  it.each(statementFailures)('%s: %#', async (_, error, code, retryable) => {
    fault = error;
    const { raised, classified } = await failureOf();
    expect(raised.message).toContain(`ORA-${String(error.num).padStart(5, '0')}`);
    expect({ code: classified.code, retryable: classified.retryable }).toEqual({ code, retryable });
  });

  it('a login Sequelize reports as access denied is the same outage on PostgreSQL and Oracle', () => {
    // PostgreSQL's refused login (28P01, 28000) reaches the service as a ConnectionError; Oracle's as an
    // AccessDeniedError. Both mean the database will not take the service's connections until an operator acts.
    expect(classifyError({ name: 'SequelizeAccessDeniedError', message: 'ORA-01017' }).code).toBe(
      'database-unavailable',
    );
    expect(
      classifyError({ name: 'SequelizeConnectionError', message: 'password authentication failed' }).code,
    ).toBe('database-unavailable');
  });
});
