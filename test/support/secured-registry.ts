import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { makeBrokerCertificates, type Keytool } from '../../infra/secured-kafka.ts';

/**
 * The stack's schema registry behind TLS and HTTP basic auth, as Confluent Cloud's or a platform's registry is: a
 * real HTTPS server (certificate made by keytool) that refuses a request without the credentials (401) and
 * passes the others, unchanged, to the real registry.
 */
export async function securedRegistry(registryUrl: string, dir: string, keytool: Keytool) {
  const { keystore, storePassword, caFile } = await makeBrokerCertificates(dir, keytool);
  const credentials = { username: 'allocations', password: randomBytes(12).toString('hex') };
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const target = new URL(registryUrl);
  const refused: string[] = [];
  const server = https.createServer(
    { pfx: await readFile(keystore), passphrase: storePassword },
    (request, response) => {
      if (request.headers.authorization !== expected) {
        refused.push(`${request.method ?? ''} ${request.url ?? ''}`);
        response.writeHead(401, {
          'www-authenticate': 'Basic realm="registry"',
          'content-type': 'application/json',
        });
        response.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
        return;
      }
      const { authorization: _, host: __, ...headers } = request.headers;
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.destroy());
      request.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** The registry's URL through the proxy: https, same path. */
    url: `https://127.0.0.1:${port}${target.pathname}`,
    caFile,
    credentials,
    /** Requests refused for want of the credentials. */
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
