import { classifyError } from '../src/classify-error.ts';
import { AppError } from '../src/domain/errors.ts';

describe('classifying what is thrown: one resolver per adapter, composed', () => {
  it('keeps an AppError as it is', () => {
    const error = new AppError('conflict', 'x');
    expect(classifyError(error)).toBe(error);
  });

  it.each([
    [{ name: 'SequelizeConnectionRefusedError', message: 'refused' }, 'database-unavailable', true],
    [{ name: 'SequelizeOptimisticLockError', message: 'stale' }, 'optimistic-lock', true],
    [
      { name: 'SequelizeDatabaseError', message: 'deadlock', parent: { code: '40P01' } },
      'database-busy',
      true,
    ],
    [
      { name: 'SequelizeDatabaseError', message: 'ORA-00060', parent: { errorNum: 60 } },
      'database-busy',
      true,
    ],
    [{ name: 'SequelizeDatabaseError', message: 'syntax', parent: { code: '42601' } }, 'unexpected', false],
    [{ name: 'ZodError', message: 'bad' }, 'invalid-detail', false],
    [{ name: 'SequelizeUniqueConstraintError', message: 'taken' }, 'database-busy', true],
    [
      { name: 'SequelizeDatabaseError', message: 'NJS-500', parent: { code: 'NJS-500' } },
      'database-unavailable',
      true,
    ],
    // A statement past its time limit (callTimeout), a lock wait included: tried again, not dead-lettered.
    [
      {
        name: 'SequelizeDatabaseError',
        message: 'NJS-123: call timeout of 15000 ms exceeded',
        parent: { code: 'NJS-123' },
      },
      'database-busy',
      true,
    ],
    // A connection cut in the middle of a statement (pg gives no code): an outage, not a bad allocation.
    [
      {
        name: 'SequelizeDatabaseError',
        message: 'Connection terminated unexpectedly',
        parent: { message: 'Connection terminated unexpectedly' },
      },
      'database-unavailable',
      true,
    ],
    [
      {
        name: 'SequelizeDatabaseError',
        message: 'Client has encountered a connection error and is not queryable',
        parent: { message: 'Client has encountered a connection error and is not queryable' },
      },
      'database-unavailable',
      true,
    ],
    [
      { name: 'SequelizeDatabaseError', message: 'read ECONNRESET', parent: { code: 'ECONNRESET' } },
      'database-unavailable',
      true,
    ],
    [
      { name: 'SequelizeDatabaseError', message: 'terminating connection', parent: { code: '57P01' } },
      'database-unavailable',
      true,
    ],
    [{ name: 'KafkaJSConnectionError', message: 'Connection error' }, 'kafka-unavailable', true],
    [
      { name: 'KafkaJSProtocolError', message: 'too large', type: 'MESSAGE_TOO_LARGE' },
      'invalid-message',
      false,
    ],
    [{ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:8081' }, 'registry-unavailable', true],
    [{ name: 'TimeoutError', message: 'The operation was aborted due to timeout' }, 'timeout', true],
    [Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } }), 'http-error', true],
    [new Error('boom'), 'unexpected', false],
  ])('%o is %s (retryable: %s)', (error, code, retryable) => {
    expect(classifyError(error)).toMatchObject({ code, retryable });
  });

  it.each([
    [{ name: 'SequelizeConnectionRefusedError', message: 'refused' }, 'database'],
    [{ name: 'SequelizeAccessDeniedError', message: 'password authentication failed' }, 'database'],
    [{ name: 'KafkaJSConnectionError', message: 'Connection error' }, 'kafka'],
    [{ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:8081' }, 'schema-registry'],
    [
      { name: 'ResponseError', message: 'Confluent_Schema_Registry - Error, status 503', status: 503 },
      'schema-registry',
    ],
    [{ name: 'ResponseError', message: 'Unauthorized', status: 401 }, 'schema-registry'],
    [{ name: 'ResponseError', message: 'Too many requests', status: 429 }, 'schema-registry'],
  ])('%o may be an outage of %s: waited out, never dead-lettered', (error, dependency) => {
    expect(classifyError(error)).toMatchObject({ retryable: true, dependency });
  });

  it.each([
    [{ name: 'SequelizeDatabaseError', message: 'deadlock', parent: { code: '40P01' } }],
    [{ name: 'ResponseError', message: 'Schema 999 not found', status: 404 }],
    [{ name: 'KafkaJSProtocolError', message: 'too large', type: 'MESSAGE_TOO_LARGE' }],
  ])('%o is the message’s own, not an outage', (error) => {
    expect(classifyError(error).dependency).toBeUndefined();
  });
});
