// The two HTTP servers of `npm run test:hostile`: one on the allow-list that answers as badly as a server can,
// and one outside it that must never be asked anything.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

async function listen(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** An origin outside the allow-list, on IPv4 and (where there is one) IPv6 loopback: counts what reaches it. */
export async function startOutsider() {
  const requests: string[] = [];
  const handler = (
    request: { method?: string; url?: string; headers: Record<string, unknown> },
    response: ServerResponse,
  ) => {
    requests.push(
      `${request.method} ${request.url} authorization=${request.headers['authorization'] ? 'yes' : 'no'}`,
    );
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  };
  const v4 = createServer(handler);
  const port = await listen(v4, '127.0.0.1');
  const v6 = createServer(handler);
  const hasV6 = await listen(v6, '::1', port).then(
    () => true,
    () => false,
  );
  return {
    host: '127.0.0.1',
    port,
    requests,
    async close() {
      await close(v4);
      if (hasV6) await close(v6);
    },
  };
}

/** A detail body of a person that Delius does not have, with codes no Delius could hold. */
const strangeCodes = {
  id: 'strange',
  crn: 'H999999',
  staffCode: "N02ABS1' OR '1'='1",
  teamCode: 'N02\u0000ABS\u202e',
  createdDate: '2022-08-01T09:00:00+01:00',
};

/**
 * Hostile answers at paths named for what they do: `/huge/…` (2 MiB), `/drip/…` (a byte every 300 ms, never
 * finished), `/wrong-type/…`, `/invalid-json/…`, `/unauthorised/…` (401 every time), `/throttled/…` (429 with
 * Retry-After), `/error/<status>/…`, `/redirect/<status>/…` (to the outsider), `/strange-codes/…`, `/no-shape/…`,
 * `/missing-requirement/…`.
 */
export async function startHostileAnswers(outsiderUrl: string) {
  const drips = new Set<NodeJS.Timeout>();
  let requests = 0;
  const json = (
    response: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  const server = createServer((request, response) => {
    requests += 1;
    const [, what, detail] = new URL(request.url ?? '/', 'http://localhost').pathname.split('/');
    switch (what) {
      case 'huge': {
        response.writeHead(200, { 'content-type': 'application/json' });
        const chunk = `"${'x'.repeat(64 * 1024 - 3)}",`;
        response.write('{"crn":"H000001","padding":[');
        let written = 0;
        const more = () => {
          while (written < 32) {
            written += 1;
            if (!response.write(chunk)) return void response.once('drain', more);
          }
          response.end('"end"]}');
        };
        response.on('error', () => undefined);
        return more();
      }
      case 'drip': {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{');
        const timer = setInterval(() => {
          if (response.destroyed) {
            clearInterval(timer);
            drips.delete(timer);
          } else response.write(' ');
        }, 300);
        drips.add(timer);
        response.on('close', () => (clearInterval(timer), drips.delete(timer)));
        return;
      }
      case 'wrong-type':
        return response
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body>Sign in</body></html>');
      case 'invalid-json':
        return json(response, 200, '{"crn": "X12');
      case 'unauthorised':
        return json(response, 401, '{"error":"invalid_token"}');
      case 'throttled':
        return json(response, 429, '{"error":"slow down"}', { 'retry-after': '1' });
      case 'error':
        return json(response, Number(detail) || 500, '{"error":"boom"}');
      case 'redirect':
        return json(response, Number(detail) || 302, '', { location: outsiderUrl });
      case 'strange-codes':
        return json(response, 200, JSON.stringify(strangeCodes));
      case 'no-shape':
        return json(response, 200, '{"hello":"world","createdDate":"yesterday"}');
      case 'missing-requirement':
        return json(
          response,
          200,
          JSON.stringify({
            id: 'missing-requirement',
            staffCode: 'N02ABS1',
            teamCode: 'N02ABS',
            createdDate: '2022-08-01T09:00:00+01:00',
            eventNumber: 1,
            requirementId: 999_999_999,
          }),
        );
      default:
        return json(response, 404, '{"status":404}');
    }
  });
  const port = await listen(server, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    async close() {
      for (const timer of drips) clearInterval(timer);
      await close(server);
    },
  };
}
