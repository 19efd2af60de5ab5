import { createServer } from 'node:http';
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
    options: {
      secret?: string;
      now?: () => number;
      readTimeoutMs?: number;
      maxBodyBytes?: number;
      onAnswer?: () => void;
    } = {},
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
        ...(options.onAnswer ? { onAnswer: options.onAnswer } : {}),
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
      dependency: 'hmpps-auth',
      message: 'HMPPS Auth answered 401 to the token request',
    });
    await refused.dispatcher.close();
  });

  it('says which failures are worth retrying, and which may be the API’s outage rather than the message’s', async () => {
    api.register('/gone', { status: 404 });
    api.register('/down', { status: 503 });
    api.register('/busy', { status: 429, headers: { 'retry-after': '7' } });
    api.register('/forbidden', { status: 403 });
    api.register('/bad', { status: 400 });
    api.register('/slow', { status: 200, body: {}, delayMs: 1_000 });
    let answers = 0;
    const { client, dispatcher } = clients({ readTimeoutMs: 200, onAnswer: () => (answers += 1) });
    const failureOf = (url: string) =>
      client.fetchDetail(new URL(url), signal()).then(
        () => undefined,
        (error: unknown) => error,
      );
    // The detail can lag behind its event: retried, and this message's alone.
    expect(await failureOf(`${api.url}/gone`)).toMatchObject({ retryable: true, dependency: undefined });
    expect(answers).toBe(1);
    expect(await failureOf(`${api.url}/down`)).toMatchObject({ retryable: true, dependency: 'workload-api' });
    expect(await failureOf(`${api.url}/busy`)).toMatchObject({
      retryable: true,
      dependency: 'workload-api',
      context: { status: 429, retryAfterMs: 7_000 },
    });
    // Refusing the service (its roles): an operator mends it, so it is waited out unless others are served.
    expect(await failureOf(`${api.url}/forbidden`)).toMatchObject({
      retryable: true,
      dependency: 'workload-api',
    });
    expect(await failureOf(`${api.url}/bad`)).toMatchObject({ code: 'http-error', retryable: false });
    expect(await failureOf(`${api.url}/slow`)).toMatchObject({
      code: 'timeout',
      retryable: true,
      dependency: 'workload-api',
    });
    expect(await failureOf('http://127.0.0.1:1/refused')).toMatchObject({
      retryable: true,
      dependency: 'workload-api',
    });
    // 404 and 400 are answers of a working API; 503, 429, 403, a timeout and a refused connection are not.
    expect(answers).toBe(2);
    await dispatcher.close();
  });

  it('probes by asking again for the last detail it served, and asks nothing before it has served one', async () => {
    let answers = 0;
    const { client, dispatcher } = clients({ onAnswer: () => (answers += 1) });
    const url = new URL(`${api.url}/allocation/person/allocate-new-person-manager`);
    await client.probe(signal());
    expect(api.requestCount(url.pathname)).toBe(0);
    await client.fetchDetail(url, signal());
    await client.probe(signal());
    expect(api.requestCount(url.pathname)).toBe(2);
    expect(answers).toBe(2);
    await dispatcher.close();
  });

  it('names HMPPS Auth as the dependency whatever keeps a token from the service, its body included', async () => {
    const notAToken = createServer((_request, response) => response.end('{"access_token":""}'));
    await new Promise<void>((resolve) => notAToken.listen(0, '127.0.0.1', resolve));
    const address = notAToken.address() as { port: number };
    try {
      const auth = hmppsAuthClient(
        { url: `http://127.0.0.1:${address.port}`, clientId: 'c', clientSecret: 's' },
        { metrics: createMetrics() },
      );
      await expect(auth.token(signal())).rejects.toMatchObject({
        code: 'http-error',
        retryable: true,
        dependency: 'hmpps-auth',
      });
    } finally {
      notAToken.close();
    }
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
