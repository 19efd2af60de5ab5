// How the processor meets a Workload API that misbehaves, and detail URLs it must not follow.
import { deadLetterHeader } from '../../src/kafka/dead-letters.ts';
import { personEvent } from '../support/allocation-requests.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';

const detail = (crn: string) => ({
  id: 'x',
  staffCode: 'N02ABS1',
  teamCode: 'N02ABS',
  createdDate: '2022-07-28T10:30:54.023+01:00',
  crn,
});
describe('fetching the allocation detail', () => {
  const scope = testScope('e2e-detail');
  let pipeline: TestPipeline;
  beforeAll(async () => {
    pipeline = await testPipeline(scope, { env: { DETAIL_READ_TIMEOUT_MS: '300', RETRY_MAX_ATTEMPTS: '4' } });
  });
  afterAll(async () => {
    await pipeline.close();
    await scope.close();
  });
  const processed = (messageId: string) =>
    eventually(() => pipeline.outcomeOf('processor', messageId) ?? false);
  const deadLetter = (messageId: string) => pipeline.deadLetterOf(messageId);

  it('dead-letters a detail URL outside the allow-list without ever requesting it', async () => {
    const messageId = await pipeline.publish(
      personEvent('http://127.0.0.1:9/allocation/person/elsewhere', 'T123456'),
    );
    expect(await processed(messageId)).toMatchObject({
      status: 'dead-letter',
      error: { code: 'disallowed-url' },
    });
    const record = await deadLetter(messageId);
    expect(record.headers).toMatchObject({
      [deadLetterHeader.code]: 'disallowed-url',
      [deadLetterHeader.message]: 'Unexpected detail URL: http://127.0.0.1:9/allocation/person/elsewhere',
      [deadLetterHeader.stage]: 'processor',
      [deadLetterHeader.topic]: pipeline.config.DOMAIN_EVENTS_TOPIC,
      [deadLetterHeader.attempts]: '1',
    });
    expect(record.headers[deadLetterHeader.offset]).toMatch(/^\d+$/);
    expect(pipeline.api.requestCount('/allocation/person/elsewhere')).toBe(0);
  });

  it('retries an API that answers 500, then applies the detail it answers next', async () => {
    pipeline.api.register('/allocation/person/flaky', [
      { status: 500, body: { status: 500 } },
      { status: 200, body: detail('T123456') },
    ]);
    const messageId = await pipeline.publish(
      personEvent(`${pipeline.api.url}/allocation/person/flaky`, 'T123456'),
    );
    expect(await processed(messageId)).toMatchObject({ status: 'applied', subject: { kind: 'PERSON' } });
    expect(await eventually(() => pipeline.outcomeOf('sink', messageId) ?? false)).toMatchObject({
      status: 'applied',
      subject: { crn: 'T123456' },
    });
    expect(pipeline.api.requestCount('/allocation/person/flaky')).toBe(2);
  });

  it('retries a request that times out', async () => {
    pipeline.api.register('/allocation/person/slow', [
      { status: 200, body: detail('T223456'), delayMs: 1_500 },
      { status: 200, body: detail('T223456') },
    ]);
    const messageId = await pipeline.publish(
      personEvent(`${pipeline.api.url}/allocation/person/slow`, 'T223456'),
    );
    expect(await processed(messageId)).toMatchObject({ status: 'applied' });
    expect(pipeline.api.requestCount('/allocation/person/slow')).toBe(2);
    expect(pipeline.observed.some(({ outcome }) => outcome.status === 'applied')).toBe(true);
  });

  it('dead-letters a detail that is still not found after the last attempt', async () => {
    const messageId = await pipeline.publish(
      personEvent(`${pipeline.api.url}/allocation/person/never-there`, 'X123456'),
    );
    expect(await processed(messageId)).toMatchObject({
      status: 'dead-letter',
      error: { code: 'http-error', retryable: true },
    });
    expect(pipeline.api.requestCount('/allocation/person/never-there')).toBe(4);
    const record = await deadLetter(messageId);
    expect(record.headers).toMatchObject({
      [deadLetterHeader.code]: 'http-error',
      [deadLetterHeader.attempts]: '4',
    });
    expect(record.headers[deadLetterHeader.message]).toBe('GET /allocation/person/never-there answered 404');
  });

  it('dead-letters a body that is not JSON, or not an allocation, at the first attempt', async () => {
    pipeline.api.register('/allocation/person/garbled', { status: 200, rawBody: '{"id": "x", "staffCode":' });
    pipeline.api.register('/allocation/person/incomplete', {
      status: 200,
      body: { id: 'x', crn: 'X123456' },
    });
    const garbled = await pipeline.publish(
      personEvent(`${pipeline.api.url}/allocation/person/garbled`, 'X123456'),
    );
    const incomplete = await pipeline.publish(
      personEvent(`${pipeline.api.url}/allocation/person/incomplete`, 'X123456'),
    );
    expect(await processed(garbled)).toMatchObject({
      status: 'dead-letter',
      error: { code: 'invalid-detail' },
    });
    const incompleteOutcome = await processed(incomplete);
    expect(incompleteOutcome).toMatchObject({ status: 'dead-letter', error: { code: 'invalid-detail' } });
    expect(incompleteOutcome.status === 'dead-letter' && incompleteOutcome.error.message).toMatch(
      /staffCode/,
    );
    expect(pipeline.api.requestCount('/allocation/person/garbled')).toBe(1);
    expect(pipeline.api.requestCount('/allocation/person/incomplete')).toBe(1);
  });

  it('fetches a new token once when the API says the token has expired', async () => {
    pipeline.api.register('/allocation/person/after-expiry', { status: 200, body: detail('X123456') });
    const before = pipeline.api.tokensIssued();
    expect(before).toBeGreaterThan(0);
    pipeline.api.expireTokens();
    const messageId = await pipeline.publish(
      personEvent(`${pipeline.api.url}/allocation/person/after-expiry`, 'X123456'),
    );
    expect(await processed(messageId)).toMatchObject({ status: 'applied' });
    expect(pipeline.api.tokensIssued()).toBe(before + 1);
    expect(pipeline.api.requestCount('/allocation/person/after-expiry')).toBe(2);
  });
});
