import { hmppsAuthClient } from '../../src/processors/hmpps-auth.ts';
import { workloadClient, workloadDispatcher } from '../../src/processors/workload-client.ts';
import { startWorkloadApi, type WorkloadApi } from '../../infra/workload-api.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { examplesDir, readExample } from '../support/delius.ts';
import { processorDefaults } from '../../src/processors/processor-stage.ts';

describe('the Workload API and HMPPS Auth clients', () => {
  let api: WorkloadApi;
  beforeEach(async () => {
    api = await startWorkloadApi({ tokenTtlSeconds: 1199 });
    await api.registerExamples(examplesDir);
  });
  afterEach(() => api.close());

  function clients(
    options: { secret?: string; now?: () => number; readTimeoutMs?: number; maxBodyBytes?: number } = {},
  ) {
    const metrics = createMetrics();
    const dispatcher = workloadDispatcher({
      connectTimeoutMs: 1_000,
      readTimeoutMs: options.readTimeoutMs ?? 5_000,
    });
    const auth = hmppsAuthClient(
      { url: api.url, clientId: api.clientId, clientSecret: options.secret ?? api.clientSecret },
      { metrics, dispatcher, ...(options.now ? { now: options.now } : {}) },
    );
    return {
      metrics,
      dispatcher,
      auth,
      client: workloadClient({
        auth,
        metrics,
        dispatcher,
        readTimeoutMs: options.readTimeoutMs ?? 5_000,
        maxBodyBytes: options.maxBodyBytes ?? processorDefaults.maxDetailBytes,
      }),
    };
  }
  const signal = () => new AbortController().signal;

  it('fetches a detail with a client-credentials token, and reuses the token until shortly before it expires', async () => {
    let now = Date.now();
    const { client, metrics, dispatcher } = clients({ now: () => now });
    const url = new URL(`${api.url}/allocation/person/allocate-new-person-manager`);
    expect(await client.fetchDetail(url, signal())).toEqual(
      await readExample('person-allocation-details.json'),
    );
    await client.fetchDetail(url, signal());
    expect(api.tokensIssued()).toBe(1);
    now += 1_199_000 - 59_000; // within a minute of expiry
    await client.fetchDetail(url, signal());
    expect(api.tokensIssued()).toBe(2);
    expect(
      (await metrics.registry.getSingleMetric('allocations_token_refreshes_total')?.get())?.values[0]?.value,
    ).toBe(2);
    await dispatcher.close();
  });

  it('shares one token request between concurrent callers', async () => {
    const { auth, dispatcher } = clients();
    const tokens = await Promise.all([auth.token(signal()), auth.token(signal()), auth.token(signal())]);
    expect(new Set(tokens).size).toBe(1);
    expect(api.tokensIssued()).toBe(1);
    await dispatcher.close();
  });

  it('refreshes the token once on a 401, and reports a refused client as a retryable failure', async () => {
    const { client, dispatcher } = clients();
    const url = new URL(`${api.url}/allocation/event/allocate-new-order-manager`);
    await client.fetchDetail(url, signal());
    api.expireTokens();
    await expect(client.fetchDetail(url, signal())).resolves.toMatchObject({ eventNumber: 2 });
    expect(api.tokensIssued()).toBe(2);
    await dispatcher.close();

    const refused = clients({ secret: 'wrong' });
    await expect(refused.client.fetchDetail(url, signal())).rejects.toMatchObject({
      code: 'http-error',
      retryable: true,
      message: 'HMPPS Auth answered 401 to the token request',
    });
    await refused.dispatcher.close();
  });

  it('says which failures are worth retrying', async () => {
    api.register('/gone', { status: 404 });
    api.register('/down', { status: 503 });
    api.register('/forbidden', { status: 403 });
    api.register('/slow', { status: 200, body: {}, delayMs: 1_000 });
    const { client, dispatcher } = clients({ readTimeoutMs: 200 });
    await expect(client.fetchDetail(new URL(`${api.url}/gone`), signal())).rejects.toMatchObject({
      code: 'http-error',
      retryable: true,
    });
    await expect(client.fetchDetail(new URL(`${api.url}/down`), signal())).rejects.toMatchObject({
      code: 'http-error',
      retryable: true,
    });
    await expect(client.fetchDetail(new URL(`${api.url}/forbidden`), signal())).rejects.toMatchObject({
      code: 'http-error',
      retryable: false,
    });
    await expect(client.fetchDetail(new URL(`${api.url}/slow`), signal())).rejects.toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    await expect(client.fetchDetail(new URL('http://127.0.0.1:1/refused'), signal())).rejects.toMatchObject({
      retryable: true,
    });
    await dispatcher.close();
  });

  it.each([301, 302, 307, 308])(
    'does not follow a %i to another origin: nothing is asked of it, and the token never leaves',
    async (status) => {
      const elsewhere = await startWorkloadApi();
      elsewhere.register('/allocation/person/1', { status: 200, body: { id: 'x' } });
      api.register('/allocation/person/moved', {
        status,
        headers: { location: `${elsewhere.url}/allocation/person/1` },
      });
      const { client, dispatcher } = clients();
      try {
        await expect(
          client.fetchDetail(new URL(`${api.url}/allocation/person/moved`), signal()),
        ).rejects.toMatchObject({ code: 'disallowed-url', retryable: false });
        expect(elsewhere.requestCount('/allocation/person/1')).toBe(0);
      } finally {
        await dispatcher.close();
        await elsewhere.close();
      }
    },
  );

  it('refuses a detail larger than its limit, for good, without reading it all', async () => {
    api.register('/allocation/person/huge', { status: 200, rawBody: `{"notes":"${'x'.repeat(3_000_000)}"}` });
    const { client, dispatcher } = clients({ maxBodyBytes: 64 * 1024 });
    try {
      await expect(
        client.fetchDetail(new URL(`${api.url}/allocation/person/huge`), signal()),
      ).rejects.toMatchObject({
        code: 'invalid-detail',
        retryable: false,
        message: expect.stringContaining('more than 65536 bytes') as string,
      });
    } finally {
      await dispatcher.close();
    }
  });
});
