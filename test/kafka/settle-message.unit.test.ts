import { AppError } from '../../src/domain/errors.ts';
import type { Handled } from '../../src/domain/outcome.ts';
import { classifyError } from '../../src/classify-error.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { OutageWatch } from '../../src/kafka/outage-watch.ts';
import {
  deadLetterTriesBeforeStuck,
  freshProgress,
  settleMessage,
  type Settling,
} from '../../src/kafka/settle-message.ts';
import type { Emit, IncomingMessage, StageHandler } from '../../src/kafka/stage.ts';
import { eventually } from '../support/eventually.ts';

const message: IncomingMessage = {
  topic: 'in',
  partition: 2,
  offset: '41',
  key: 'X123456',
  value: Buffer.from('{"staff":"N02ABS1"}'),
  headers: { 'message-id': 'm-1' },
  timestamp: '0',
};
const emit: Emit = { topic: 'out', key: 'X123456', value: { staff: 'N02ABS1' } };
const applied: Handled<readonly Emit[]> = { status: 'applied', subject: { kind: 'PERSON' }, result: [emit] };
const retryable = () => new AppError('http-error', 'GET answered 503', { retryable: true });
const fatal = () => new AppError('not-found', 'Staff with code of N02ABS1 not found');

/** A stage whose every collaborator is a fake that records what it was asked. */
function fakeStage(
  handle: StageHandler<{ staff: string }>,
  overrides: Partial<Settling<{ staff: string }>> = {},
) {
  const published: (readonly Emit[])[] = [];
  const deadLetters: { code: string; attempts: number }[] = [];
  const retried: string[] = [];
  const controller = new AbortController();
  const settling: Settling<{ staff: string }> = {
    decode: ({ value }) => Promise.resolve(JSON.parse(value?.toString() ?? 'null') as { staff: string }),
    subjectOfMessage: ({ key }) => ({ crn: key }),
    subjectOf: (input) => ({ staffCode: input.staff }),
    handle,
    publish: (emits) => {
      published.push(emits);
      return Promise.resolve();
    },
    deadLetter: (_message, error, attempts) => {
      deadLetters.push({ code: error.code, attempts });
      return Promise.resolve();
    },
    classify: classifyError,
    outages: new OutageWatch({ logger: createLogger({ level: 'silent' }), metrics: createMetrics() }),
    policy: { concurrency: 1, retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } },
    signal: controller.signal,
    heartbeat: () => Promise.resolve(),
    logger: createLogger({ level: 'silent' }),
    onRetry: (error) => retried.push(error.code),
    ...overrides,
  };
  return { settling, published, deadLetters, retried, controller };
}

/** A handler that plays `steps` in turn: an error is thrown, anything else returned. */
function scripted(...steps: (Handled<readonly Emit[]> | Error)[]) {
  const calls: number[] = [];
  const handle: StageHandler<{ staff: string }> = (_input, context) => {
    calls.push(context.attempt);
    const step = steps[Math.min(calls.length, steps.length) - 1];
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step as Handled<readonly Emit[]>);
  };
  return { handle, calls };
}

describe('settling a message (the runner’s decisions)', () => {
  it('publishes what the handler returns and reports it with the subject of the input and of the handler', async () => {
    const { settling, published, deadLetters } = fakeStage(scripted(applied).handle);
    const settled = await settleMessage(message, settling);
    expect(settled).toEqual({
      outcome: {
        status: 'applied',
        subject: { crn: 'X123456', staffCode: 'N02ABS1', kind: 'PERSON' },
        result: [emit],
      },
      attempts: 1,
    });
    expect(published).toEqual([[emit]]);
    expect(deadLetters).toEqual([]);
  });

  it('publishes nothing for an ignored message', async () => {
    const ignored: Handled<readonly Emit[]> = {
      status: 'ignored',
      subject: {},
      reason: 'no detailUrl',
      properties: {},
    };
    const { settling, published } = fakeStage(scripted(ignored).handle);
    expect((await settleMessage(message, settling))?.outcome.status).toBe('ignored');
    expect(published).toEqual([]);
  });

  it('retries a retryable failure with a fresh attempt, and stops retrying once it succeeds', async () => {
    const { handle, calls } = scripted(retryable(), applied);
    const { settling, published, retried } = fakeStage(handle);
    expect(await settleMessage(message, settling)).toMatchObject({
      outcome: { status: 'applied' },
      attempts: 2,
    });
    expect(calls).toEqual([1, 2]);
    expect(retried).toEqual(['http-error']);
    expect(published).toHaveLength(1);
  });

  it('dead-letters a failure no retry can mend at once, with its reason', async () => {
    const { handle, calls } = scripted(fatal());
    const { settling, deadLetters } = fakeStage(handle);
    const settled = await settleMessage(message, settling);
    expect(settled?.outcome).toMatchObject({
      status: 'dead-letter',
      subject: { crn: 'X123456', staffCode: 'N02ABS1' },
      error: { code: 'not-found', message: 'Staff with code of N02ABS1 not found' },
    });
    expect(calls).toEqual([1]);
    expect(deadLetters).toEqual([{ code: 'not-found', attempts: 1 }]);
  });

  it('classifies what a handler throws, whatever it is: a plain error is unexpected and dead-lettered', async () => {
    const { settling, deadLetters } = fakeStage(scripted(new TypeError('x is undefined')).handle);
    expect((await settleMessage(message, settling))?.outcome).toMatchObject({
      status: 'dead-letter',
      error: { code: 'unexpected', message: 'x is undefined' },
    });
    expect(deadLetters).toEqual([{ code: 'unexpected', attempts: 1 }]);
  });

  it('dead-letters a retryable failure after the last attempt', async () => {
    const { handle, calls } = scripted(retryable());
    const { settling, deadLetters, retried } = fakeStage(handle);
    expect((await settleMessage(message, settling))?.outcome.status).toBe('dead-letter');
    expect(calls).toEqual([1, 2, 3]);
    expect(retried).toEqual(['http-error', 'http-error', 'http-error']);
    expect(deadLetters).toEqual([{ code: 'http-error', attempts: 3 }]);
  });

  it.each([
    ['the database refusing connections', 'database-unavailable', 'database'],
    ['Kafka unreachable', 'kafka-unavailable', 'kafka'],
    ['the schema registry unreachable', 'registry-unavailable', 'schema-registry'],
    ['HMPPS Auth refusing the client', 'http-error', 'hmpps-auth'],
  ] as const)(
    'waits out %s beyond the attempts a bad message gets, then goes on with nothing dead-lettered',
    async (_what, code, dependency) => {
      const outage = () => new AppError(code, 'down', { retryable: true, dependency });
      const { handle, calls } = scripted(outage(), outage(), outage(), outage(), outage(), applied);
      const { settling, deadLetters } = fakeStage(handle);
      expect((await settleMessage(message, settling))?.outcome.status).toBe('applied');
      expect(calls).toHaveLength(6);
      expect(deadLetters).toEqual([]);
      // Its answer ended the outage.
      expect(settling.outages.isDown(dependency)).toBe(false);
    },
  );

  it('waits out a Workload API that answers nobody, past the attempts, and reports it down meanwhile', async () => {
    const unavailable = () =>
      new AppError('http-error', 'GET answered 503', { retryable: true, dependency: 'workload-api' });
    let downWhileWaiting = false;
    const { settling, deadLetters } = fakeStage((_input, context) => {
      if (context.attempt < 6) return Promise.reject(unavailable());
      downWhileWaiting = settling.outages.isDown('workload-api');
      return Promise.resolve(applied);
    });
    expect((await settleMessage(message, settling))?.outcome.status).toBe('applied');
    expect(downWhileWaiting).toBe(true);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters a detail the Workload API fails while it answers other messages: the fault is the message’s', async () => {
    const { settling, deadLetters } = fakeStage((_input, context) => {
      // Another message's detail is served between this one's tries.
      if (context.attempt === 2) settling.outages.answered('workload-api');
      return Promise.reject(
        new AppError('http-error', 'GET answered 503', { retryable: true, dependency: 'workload-api' }),
      );
    });
    expect((await settleMessage(message, settling))?.outcome.status).toBe('dead-letter');
    expect(deadLetters).toEqual([{ code: 'http-error', attempts: 3 }]);
    expect(settling.outages.isDown('workload-api')).toBe(false);
  });

  it('goes on at once when the dependency it waits on answers another message, not at the end of its backoff', async () => {
    let answeredElsewhere = false;
    const { settling } = fakeStage(
      () =>
        answeredElsewhere
          ? Promise.resolve(applied)
          : Promise.reject(
              new AppError('kafka-unavailable', 'down', { retryable: true, dependency: 'kafka' }),
            ),
      // Its first wait would outlast the test's timeout: only the answer can end it in time.
      { policy: { concurrency: 1, retry: { maxAttempts: 1, initialDelayMs: 600_000, maxDelayMs: 600_000 } } },
    );
    const settled = settleMessage(message, settling);
    await eventually(() => settling.outages.isDown('kafka'));
    answeredElsewhere = true;
    settling.outages.answered('kafka');
    expect((await settled)?.outcome.status).toBe('applied');
  });

  it('leaves a message unsettled while it waits longer than a slice, and goes on from where it was when called again', async () => {
    const { handle, calls } = scripted(retryable(), retryable(), applied);
    const { settling, deadLetters } = fakeStage(handle, {
      policy: { concurrency: 1, retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 50 } },
    });
    const progress = freshProgress();
    let calls_ = 0;
    let settled;
    do {
      calls_ += 1;
      settled = await settleMessage(message, settling, progress, 0);
    } while (!settled);
    expect(settled.outcome.status).toBe('applied');
    // Its attempts went on across the calls (not three fresh ones each time), and it was handed back between.
    expect(calls).toEqual([1, 2, 3]);
    expect(calls_).toBeGreaterThan(1);
    expect(deadLetters).toEqual([]);
  });

  it('releases a failure that names no dependency to a source that delivers again, after its attempts', async () => {
    const { settling } = fakeStage(scripted(retryable()).handle, { exhausted: 'release' });
    expect((await settleMessage(message, settling))?.outcome).toMatchObject({
      status: 'retry',
      error: { code: 'http-error' },
    });
  });

  it('keeps a message from a source that delivers again while Kafka is down, rather than releasing it', async () => {
    const down = () => new AppError('kafka-unavailable', 'down', { retryable: true, dependency: 'kafka' });
    const { handle, calls } = scripted(down(), down(), down(), down(), applied);
    const { settling } = fakeStage(handle, { exhausted: 'release' });
    expect((await settleMessage(message, settling))?.outcome.status).toBe('applied');
    expect(calls).toHaveLength(5);
  });

  it('retries the whole message when publishing its records fails, so the records are never lost', async () => {
    const { handle, calls } = scripted(applied);
    let publishes = 0;
    const { settling } = fakeStage(handle, {
      publish: () => {
        publishes += 1;
        return publishes === 1
          ? Promise.reject(
              Object.assign(new Error('Broker not available'), { name: 'KafkaJSConnectionError' }),
            )
          : Promise.resolve();
      },
    });
    expect((await settleMessage(message, settling))?.outcome.status).toBe('applied');
    expect(calls).toEqual([1, 2]);
    expect(publishes).toBe(2);
  });

  it('dead-letters a message whose records the broker refuses for what they are, instead of crashing', async () => {
    const tooLarge = Object.assign(
      new Error('The request included a message larger than the max message size'),
      {
        name: 'KafkaJSProtocolError',
        type: 'MESSAGE_TOO_LARGE',
      },
    );
    const { settling, deadLetters } = fakeStage(scripted(applied).handle, {
      publish: () => Promise.reject(tooLarge),
    });
    expect((await settleMessage(message, settling))?.outcome).toMatchObject({
      status: 'dead-letter',
      error: { code: 'invalid-message' },
    });
    expect(deadLetters).toEqual([{ code: 'invalid-message', attempts: 1 }]);
  });

  it('dead-letters a message that cannot be decoded, without calling the handler', async () => {
    const { handle, calls } = scripted(applied);
    const { settling, deadLetters } = fakeStage(handle, {
      decode: () => Promise.reject(new AppError('invalid-message', 'the record does not fit its schema')),
    });
    expect((await settleMessage(message, settling))?.outcome.status).toBe('dead-letter');
    expect(calls).toEqual([]);
    expect(deadLetters).toEqual([{ code: 'invalid-message', attempts: 1 }]);
  });

  it('gives up a message waiting to retry when the stage stops, leaving it uncommitted for redelivery', async () => {
    const { handle, calls } = scripted(retryable());
    const { settling, deadLetters, controller } = fakeStage(handle, {
      policy: { concurrency: 1, retry: { maxAttempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 } },
    });
    const settling$ = settleMessage(message, settling);
    while (calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(await settling$).toBeUndefined();
    expect(calls).toEqual([1]);
    expect(deadLetters).toEqual([]);
  });

  it('tries a dead letter again until it is published, since committing without it would lose the message', async () => {
    let tries = 0;
    const { settling } = fakeStage(scripted(fatal()).handle, {
      deadLetter: () => {
        tries += 1;
        return tries < 3
          ? Promise.reject(Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError' }))
          : Promise.resolve();
      },
    });
    expect((await settleMessage(message, settling))?.outcome.status).toBe('dead-letter');
    expect(tries).toBe(3);
  });

  it('gives up a dead letter it cannot publish when the stage stops, leaving the message uncommitted', async () => {
    let tries = 0;
    const { settling, controller } = fakeStage(scripted(fatal()).handle, {
      policy: { concurrency: 1, retry: { maxAttempts: 1, initialDelayMs: 60_000, maxDelayMs: 60_000 } },
      deadLetter: () => {
        tries += 1;
        return Promise.reject(
          Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError' }),
        );
      },
    });
    const settling$ = settleMessage(message, settling);
    while (tries === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(await settling$).toBeUndefined();
  });

  it('says the stage is stuck once a dead letter has failed its bounded tries, and goes on trying', async () => {
    let tries = 0;
    const stuck: { code: string; tries: number }[] = [];
    const { settling } = fakeStage(scripted(fatal()).handle, {
      deadLetter: () => {
        tries += 1;
        return tries <= deadLetterTriesBeforeStuck
          ? Promise.reject(
              Object.assign(new Error('the dead letter is too large'), {
                name: 'KafkaJSProtocolError',
                type: 'MESSAGE_TOO_LARGE',
              }),
            )
          : Promise.resolve();
      },
      onStuck: (error) => stuck.push({ code: error.code, tries }),
    });
    expect((await settleMessage(message, settling))?.outcome.status).toBe('dead-letter');
    expect(stuck).toEqual([{ code: 'invalid-message', tries: deadLetterTriesBeforeStuck }]);
  });
});
