import { MockAgent } from 'undici';
import { hmppsAuthClient, tokenUrlOf } from '../../src/processors/hmpps-auth.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

const origin = 'https://auth.example';
const signal = new AbortController().signal;

/** The Auth client against a scripted HMPPS Auth (undici's mock dispatcher), on a clock the test moves. */
function auth() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(origin);
  const requests: { authorization: string; body: string }[] = [];
  const answer = (status: number, body: object = {}) =>
    pool.intercept({ path: '/auth/oauth/token', method: 'POST' }).reply(status, (options) => {
      const headers = options.headers as Record<string, string>;
      requests.push({
        authorization: headers['authorization'] ?? '',
        body: typeof options.body === 'string' ? options.body : '',
      });
      return body;
    });
  let now = 0;
  const client = hmppsAuthClient(
    { url: `${origin}/`, clientId: 'allocations client', clientSecret: 's3cret:x' },
    { metrics: createMetrics(), dispatcher: agent, now: () => now },
  );
  return { client, answer, requests, advance: (ms: number) => (now += ms) };
}

const token = (value: string, expiresIn = 1_200) => ({
  access_token: value,
  token_type: 'bearer',
  expires_in: expiresIn,
});

describe('the HMPPS Auth client', () => {
  it('finds the token endpoint whether HMPPS Auth’s address is given with its /auth or without', () => {
    const endpoint = 'https://sign-in.hmpps.service.justice.gov.uk/auth/oauth/token';
    expect(tokenUrlOf('https://sign-in.hmpps.service.justice.gov.uk')).toBe(endpoint);
    expect(tokenUrlOf('https://sign-in.hmpps.service.justice.gov.uk/')).toBe(endpoint);
    expect(tokenUrlOf('https://sign-in.hmpps.service.justice.gov.uk/auth')).toBe(endpoint);
    expect(tokenUrlOf('https://sign-in.hmpps.service.justice.gov.uk/auth/')).toBe(endpoint);
  });

  it('asks for a client-credentials token with HTTP Basic client authentication (D3)', async () => {
    const { client, answer, requests } = auth();
    answer(200, token('t1'));
    expect(await client.token(signal)).toBe('t1');
    expect(requests).toEqual([
      {
        authorization: `Basic ${Buffer.from('allocations%20client:s3cret%3Ax').toString('base64')}`,
        body: 'grant_type=client_credentials',
      },
    ]);
  });

  it('reuses the token until a minute before it expires, then asks again', async () => {
    const { client, answer, requests, advance } = auth();
    answer(200, token('t1'));
    answer(200, token('t2'));
    expect(await client.token(signal)).toBe('t1');
    advance(1_200_000 - 60_001);
    expect(await client.token(signal)).toBe('t1');
    advance(2);
    expect(await client.token(signal)).toBe('t2');
    expect(requests).toHaveLength(2);
  });

  it('shares one request among callers who ask at the same moment', async () => {
    const { client, answer, requests } = auth();
    answer(200, token('t1'));
    expect(await Promise.all([client.token(signal), client.token(signal), client.token(signal)])).toEqual([
      't1',
      't1',
      't1',
    ]);
    expect(requests).toHaveLength(1);
  });

  it('forgets its token when told it was refused, and asks again', async () => {
    const { client, answer, requests } = auth();
    answer(200, token('t1'));
    answer(200, token('t2'));
    await client.token(signal);
    client.invalidate();
    expect(await client.token(signal)).toBe('t2');
    expect(requests).toHaveLength(2);
  });

  it.each([401, 500])('fails as retryable when HMPPS Auth answers %i, naming the status', async (status) => {
    const { client, answer } = auth();
    answer(status, { error: 'invalid_client' });
    await expect(client.token(signal)).rejects.toMatchObject({
      code: 'http-error',
      retryable: true,
      context: { status },
    });
  });

  it('fails as retryable when HMPPS Auth cannot be reached', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const client = hmppsAuthClient(
      { url: 'https://unknown.example', clientId: 'c', clientSecret: 's' },
      { metrics: createMetrics(), dispatcher: agent },
    );
    await expect(client.token(signal)).rejects.toMatchObject({ retryable: true, dependency: 'hmpps-auth' });
  });

  it('fails on an answer that is not a token as HMPPS Auth failing, never as the message’s detail', async () => {
    const { client, answer } = auth();
    answer(200, { token_type: 'bearer' });
    await expect(client.token(signal)).rejects.toMatchObject({
      code: 'http-error',
      retryable: true,
      dependency: 'hmpps-auth',
    });
  });
});
