// An Oracle outage met by the running pipeline (its sink on Oracle, through the double): the allocation waits for
// the database, past the retries a bad message would get, and is applied once Oracle answers; nothing is
// dead-lettered. Before the Oracle error table, a refused login was dead-lettered at once and a lost connection
// after RETRY_MAX_ATTEMPTS.
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import type { OracleError } from '../support/oracle-double/responses.ts';

const lostConnection: OracleError = { num: 3113, message: 'ORA-03113: end-of-file on communication channel' };
const wrongPassword: OracleError = {
  num: 1017,
  message: 'ORA-01017: invalid credential or not authorized; logon denied',
};

describe('an Oracle outage, met by the running pipeline', () => {
  const scope = testScope('e2e-oracle-outage');
  let pipeline: TestPipeline;
  beforeAll(async () => {
    // Idle connections leave the pool within a second, so that the login refusal below is met.
    pipeline = await testPipeline(scope, { env: { DATABASE_POOL_IDLE_MS: '200' } });
  });
  afterAll(async () => {
    await pipeline.close();
    await scope.close();
  });

  const oracle = () => {
    if (!pipeline.delius.oracle) throw new Error('this suite runs in the oracle-double project only');
    return pipeline.delius.oracle;
  };
  const retries = () => Number(pipeline.config.RETRY_MAX_ATTEMPTS);

  it('waits out a connection lost mid-statement, past the retries, and then applies the allocation', async () => {
    let hits = 0;
    oracle().faults.raise = (sql) => (/"OFFENDER_MANAGER"/.test(sql) ? (hits++, lostConnection) : undefined);
    const messageId = await pipeline.publishExample('person-allocation-message.json');
    // Past the attempts a bad message gets, and still no outcome: a dead letter would be one.
    await eventually(() => hits > retries() + 1 || pipeline.outcomeOf('sink', messageId) !== undefined);
    expect(pipeline.outcomeOf('sink', messageId)).toBeUndefined();
    oracle().faults.raise = undefined;
    const outcome = await eventually(() => pipeline.outcomeOf('sink', messageId) ?? false);
    expect(outcome).toMatchObject({ status: 'applied', subject: { kind: 'PERSON', crn: 'T123456' } });
  });

  it('waits out a login refused (a rotated password), and then applies the allocation', async () => {
    const { double } = oracle();
    double.refuseLogins(wrongPassword);
    // Every connection the pool held has gone idle and closed: the next allocation needs a login.
    await eventually(() => [...double.sessions].every((session) => session.closed));
    const opened = double.sessions.size;
    const messageId = await pipeline.publishExample('event-allocation-message.json');
    await eventually(
      () => double.refusedLogins > retries() + 1 || pipeline.outcomeOf('sink', messageId) !== undefined,
    );
    expect(pipeline.outcomeOf('sink', messageId)).toBeUndefined();
    double.refuseLogins(undefined);
    const outcome = await eventually(() => pipeline.outcomeOf('sink', messageId) ?? false);
    expect(outcome).toMatchObject({ status: 'applied', subject: { kind: 'EVENT', crn: 'X123456' } });
    expect(double.sessions.size).toBeGreaterThan(opened);
    expect(pipeline.observed.filter((entry) => entry.outcome.status === 'dead-letter')).toEqual([]);
  });
});
