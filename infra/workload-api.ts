import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** One scripted answer: a status, a JSON body (or raw text), and optionally a delay before answering. */
export interface StubResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly delayMs?: number;
  /** Extra response headers, e.g. a redirect's `location`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WorkloadApi {
  /** The server's origin, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Serves `responses` in turn at `path` (the last one repeats). */
  register(path: string, responses: StubResponse | readonly StubResponse[]): void;
  /** Serves every allocation detail of the examples folder at the paths its messages use. */
  registerExamples(examplesDir: string): Promise<number>;
  /** Detail requests received at `path` (authorised or not). */
  requestCount(path: string): number;
  /** When each detail request at `path` was received (ms since the epoch), in order. */
  requestTimes(path: string): readonly number[];
  /** Tokens issued so far. */
  tokensIssued(): number;
  /** Makes every issued token expire now, as if time had passed: the next detail request gets a 401. */
  expireTokens(): void;
  /**
   * An outage: every detail request (`details`) or token request (`tokens`) gets `answer` until it is called
   * again with undefined. Requests are still counted.
   */
  outage(part: 'details' | 'tokens', answer: StubResponse | undefined): void;
  close(): Promise<void>;
}

/** `examples/workload-api-stubs.json`: which detail body the local Workload API serves at which path. */
const exampleStubsSchema = z.object({
  stubs: z.array(
    z.object({ path: z.string().startsWith('/'), status: z.number().int(), detail: z.string() }),
  ),
});

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A real HTTP server that plays the Workload API and HMPPS Auth for tests and local runs. It issues
 * client-credentials tokens at `POST /auth/oauth/token` (HTTP Basic client authentication, as HMPPS Auth) and
 * checks the bearer token on every detail request, answering 401 to a missing, unknown or expired one.
 */
export async function startWorkloadApi(
  options: {
    port?: number;
    host?: string;
    clientId?: string;
    clientSecret?: string;
    tokenTtlSeconds?: number;
  } = {},
): Promise<WorkloadApi> {
  const clientId = options.clientId ?? 'workforce-allocations-to-delius';
  const clientSecret = options.clientSecret ?? randomBytes(12).toString('hex');
  const ttlSeconds = options.tokenTtlSeconds ?? 1199;
  const tokens = new Map<string, number>();
  const stubs = new Map<string, { responses: readonly StubResponse[]; served: number }>();
  const counts = new Map<string, number>();
  const times = new Map<string, number[]>();
  let issued = 0;
  const outages: { details?: StubResponse | undefined; tokens?: StubResponse | undefined } = {};
  const serveOutage = (response: ServerResponse, answer: StubResponse) =>
    send(response, answer.status, answer.body, answer.rawBody, answer.headers);

  const send = (
    response: ServerResponse,
    status: number,
    body?: unknown,
    rawBody?: string,
    headers: Readonly<Record<string, string>> = {},
  ) => {
    const text = rawBody ?? (body === undefined ? '' : JSON.stringify(body));
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
  };

  async function readBody(request: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function issueToken(request: IncomingMessage, response: ServerResponse) {
    if (outages.tokens) return serveOutage(response, outages.tokens);
    const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
    const [id, secret] = Buffer.from(encoded ?? '', 'base64')
      .toString('utf8')
      .split(':')
      .map(decodeURIComponent);
    const form = new URLSearchParams(await readBody(request));
    if (scheme !== 'Basic' || id !== clientId || !sameSecret(secret ?? '', clientSecret))
      return send(response, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'client_credentials')
      return send(response, 400, { error: 'unsupported_grant_type' });
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, Date.now() + ttlSeconds * 1000);
    issued += 1;
    return send(response, 200, {
      access_token: token,
      token_type: 'bearer',
      expires_in: ttlSeconds,
      scope: 'read write',
      sub: clientId,
    });
  }

  async function serveDetail(request: IncomingMessage, response: ServerResponse, pathname: string) {
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1);
    times.set(pathname, [...(times.get(pathname) ?? []), Date.now()]);
    if (outages.details) return serveOutage(response, outages.details);
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expiresAt = token ? tokens.get(token) : undefined;
    if (expiresAt === undefined || expiresAt <= Date.now())
      return send(response, 401, { error: 'invalid_token' });
    const stub = stubs.get(pathname);
    if (!stub) return send(response, 404, { status: 404, userMessage: `No allocation at ${pathname}` });
    const answer = stub.responses[Math.min(stub.served, stub.responses.length - 1)] as StubResponse;
    stub.served += 1;
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (!response.destroyed) send(response, answer.status, answer.body, answer.rawBody, answer.headers);
  }

  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const handled =
      request.method === 'POST' && pathname === '/auth/oauth/token'
        ? issueToken(request, response)
        : request.method === 'GET'
          ? serveDetail(request, response, pathname)
          : Promise.resolve(send(response, 405));
    handled.catch(() => send(response, 500));
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const register: WorkloadApi['register'] = (pathname, responses) => {
    stubs.set(pathname, {
      responses: Array.isArray(responses) ? responses : [responses as StubResponse],
      served: 0,
    });
  };

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    clientId,
    clientSecret,
    register,
    async registerExamples(examplesDir) {
      const { stubs } = exampleStubsSchema.parse(
        JSON.parse(await readFile(path.join(examplesDir, 'workload-api-stubs.json'), 'utf8')),
      );
      for (const stub of stubs) {
        const body: unknown = JSON.parse(await readFile(path.join(examplesDir, stub.detail), 'utf8'));
        register(stub.path, { status: stub.status, body });
      }
      return stubs.length;
    },
    requestCount: (pathname) => counts.get(pathname) ?? 0,
    requestTimes: (pathname) => times.get(pathname) ?? [],
    tokensIssued: () => issued,
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    outage(part, answer) {
      outages[part] = answer;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
