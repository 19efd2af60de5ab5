import type { AppError } from '../../src/domain/errors.ts';
import { enrichAllocation, type EnrichDeps } from '../../src/processors/enrich-allocation.ts';
import type { DomainEventRecord } from '../../src/domain/topic-records.ts';

const event: DomainEventRecord = {
  messageId: 'm-1',
  eventType: 'person.community.manager.allocated',
  version: 1,
  detailUrl: 'https://workload.example/allocation/person/1',
  occurredAt: null,
  description: null,
  crn: 'T123456',
  personReference: null,
  additionalInformation: null,
  publishedAt: 1_000,
};
const detail = {
  id: 'a-1',
  staffCode: 'N02ABS1',
  teamCode: 'N02ABS',
  createdDate: '2022-07-28T10:30:54.023+01:00',
  crn: 'X123456',
};
const signal = new AbortController().signal;

/** The processor's handler with a Workload client that answers `body` and records what it was asked. */
function handler(body: unknown) {
  const requested: string[] = [];
  const deps: EnrichDeps = {
    workload: {
      fetchDetail: (url) => {
        requested.push(url.toString());
        return Promise.resolve(body);
      },
      probe: () => Promise.resolve(),
    },
    allowedOrigins: new Set(['https://workload.example']),
    allocationsTopic: 'allocations',
    now: () => 2_000,
  };
  return { enrich: (input: DomainEventRecord) => enrichAllocation(input, deps, { signal }), requested };
}

describe('the enrichment processor', () => {
  it('emits the allocation keyed by the person it changes, with the message id, for the sink', async () => {
    const { enrich, requested } = handler(detail);
    const handled = await enrich(event);
    expect(requested).toEqual(['https://workload.example/allocation/person/1']);
    expect(handled).toMatchObject({
      status: 'applied',
      subject: { kind: 'PERSON', crn: 'X123456', staffCode: 'N02ABS1', teamCode: 'N02ABS' },
      result: [
        {
          topic: 'allocations',
          key: 'X123456',
          headers: { 'message-id': 'm-1' },
          value: {
            messageId: 'm-1',
            kind: 'PERSON',
            personCrn: 'X123456',
            crn: 'T123456',
            enrichedAt: 2_000,
          },
        },
      ],
    });
  });

  it('ignores an event without a detail URL, asking nothing (M2)', async () => {
    const { enrich, requested } = handler(detail);
    expect(await enrich({ ...event, detailUrl: null })).toEqual({
      status: 'ignored',
      subject: { crn: 'T123456' },
      reason: 'no detailUrl',
      properties: {},
    });
    expect(requested).toEqual([]);
  });

  it.each([
    ['another origin', 'https://elsewhere.example/allocation/person/1'],
    ['another port', 'https://workload.example:8443/allocation/person/1'],
    ['another scheme', 'http://workload.example/allocation/person/1'],
    ['not a URL', 'workload.example/allocation'],
    ['a file: scheme', 'file:///etc/passwd'],
    ['a data: scheme', 'data:application/json,{}'],
  ])('refuses a detail URL on %s without requesting it (D1)', async (_case, detailUrl) => {
    const { enrich, requested } = handler(detail);
    await expect(enrich({ ...event, detailUrl })).rejects.toMatchObject({
      code: 'disallowed-url',
      retryable: false,
      message: `Unexpected detail URL: ${detailUrl}`,
    });
    expect(requested).toEqual([]);
  });

  it.each([
    ['credentials in it', 'https://user:s3cret@workload.example/allocation/person/1'],
    ['a secret in its query', 'https://elsewhere.example/allocation/person/1?token=s3cret'],
    ['credentials and a query off the allow-list', 'https://u:s3cret@elsewhere.example/a?key=s3cret#s3cret'],
  ])(
    'refuses a detail URL with %s, and names it without its credentials or query (logs, dead-letter headers)',
    async (_case, detailUrl) => {
      const { enrich, requested } = handler(detail);
      const refused = await enrich({ ...event, detailUrl }).then(
        () => undefined,
        (error: unknown) => error as AppError,
      );
      expect(refused).toMatchObject({ code: 'disallowed-url', retryable: false });
      expect(refused?.message).toMatch(/^Unexpected detail URL: https:\/\/[a-z.]+\/[a-z/0-9]+$/);
      expect(refused?.message).not.toContain('s3cret');
      expect(requested).toEqual([]);
    },
  );

  it('fails, for good, on a detail that fits no allocation kind (D6)', async () => {
    const { enrich } = handler({ id: 'a-1', staffCode: 'N02ABS1' });
    await expect(enrich(event)).rejects.toMatchObject({ code: 'invalid-detail', retryable: false });
  });

  it('lets a failure of the Workload API through for the runner to retry', async () => {
    const failure = new Error('GET answered 503');
    const deps: EnrichDeps = {
      workload: { fetchDetail: () => Promise.reject(failure), probe: () => Promise.resolve() },
      allowedOrigins: new Set(['https://workload.example']),
      allocationsTopic: 'allocations',
      now: () => 0,
    };
    await expect(enrichAllocation(event, deps, { signal })).rejects.toBe(failure);
  });
});
