// An HTTPS endpoint that keeps what is posted to it, as Application Insights' ingestion does (its exporter speaks
// only HTTPS): a real server on loopback, its certificate made by keytool of the stack's kind.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { containersStackInfo, keytoolInContainer } from '../../infra/containers/stack.ts';
import { hostKeytool, makeBrokerCertificates } from '../../infra/secured-kafka.ts';
import { stackEnv } from './stack.ts';

export async function startHttpsIngestion() {
  const dir = await mkdtemp(join(tmpdir(), 'allocations-ingestion-'));
  const containers =
    (await stackEnv())['STACK'] === 'containers' ? (await containersStackInfo()).kafka : undefined;
  const keytool = containers ? keytoolInContainer(containers.engine, containers.image, dir) : hostKeytool;
  const { keystore, storePassword, caFile } = await makeBrokerCertificates(dir, keytool);
  const posted: { path: string; body: string }[] = [];
  const server = https.createServer(
    { pfx: await readFile(keystore), passphrase: storePassword },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        posted.push({
          path: request.url ?? '',
          body: (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'),
        });
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"itemsReceived":1,"itemsAccepted":1,"errors":[]}');
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The PEM a client must trust (NODE_EXTRA_CA_CERTS for a process of the service). */
    caFile,
    posted,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
