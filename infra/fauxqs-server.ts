// Runs fauxqs (SNS + SQS emulator) bound to loopback only. Its CLI listens on every interface and always logs
// each request, so the stack runs this small entry point instead: `node infra/fauxqs-server.ts <port> <region>`.
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2] ?? '4566');
const region = process.argv[3] ?? 'eu-west-2';
const app = buildApp({ logger: false, defaultRegion: region });
await app.listen({ port, host: '127.0.0.1' });
console.log(`fauxqs listening on http://127.0.0.1:${port} (region ${region})`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
