import { createServer, type Server, type Socket } from 'node:net';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../src/connectors/aws-clients.ts';
import { ceiling } from '../support/patience.ts';

/** A peer that accepts connections and never answers: what a hung SQS endpoint looks like to the SDK. */
async function silentServer(): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server, sockets };
}

describe('the SQS client', () => {
  it(
    'gives up a request the server never answers, instead of waiting for good',
    async () => {
      const silent = await silentServer();
      const sqs = createSqsClient({
        region: 'eu-west-2',
        endpoint: silent.url,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestTimeoutMs: 200,
      });
      try {
        await expect(
          sqs.send(
            new ReceiveMessageCommand({ QueueUrl: `${silent.url}/000000000000/q`, WaitTimeSeconds: 0 }),
          ),
        ).rejects.toThrow(/timeout|timed out/i);
        expect(silent.sockets.length).toBeGreaterThan(0);
      } finally {
        sqs.destroy();
        for (const socket of silent.sockets) socket.destroy();
        await new Promise((resolve) => silent.server.close(resolve));
      }
    },
    ceiling(10_000),
  );
});
