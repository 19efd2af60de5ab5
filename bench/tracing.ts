// `npm run bench:tracing`: what tracing costs a stage per message, off (the default) and on (spans exported over
// OTLP/HTTP to a local receiver), in one run: the calls a Kafka stage makes for each record (its span, made
// current, the headers it writes on what it publishes, a child span for the call it makes, the span's end).
// Figures: nanoseconds of this process's CPU per message, and the ratio on/off. Compare with the CPU an
// allocation costs the pipeline's stages (docs/throughput.md: 1.6 + 2.8 + 10.1 ms).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../src/observability/logger.ts';
import { startTelemetry } from '../src/observability/telemetry.ts';
import {
  endStageSpan,
  inChildSpan,
  inSpan,
  startStageSpan,
  traceHeaders,
} from '../src/observability/tracing.ts';

const messages = 20_000;
const rounds = 5;
const headers = {
  'message-id': 'a1b2c3',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};
const outcome = { status: 'applied', subject: { kind: 'PERSON', crn: 'X123456' }, result: null } as const;

async function oneMessage(): Promise<void> {
  const span = startStageSpan('processor', headers, () => ({
    'messaging.system': 'kafka',
    'messaging.destination.name': 'allocations.domain-events',
    'messaging.message.id': 'a1b2c3',
  }));
  await inSpan(span, async () => {
    await inChildSpan(
      'Workload API detail',
      () => ({ 'http.request.method': 'GET' }),
      () => Promise.resolve(),
    );
    const written = { 'message-id': 'a1b2c3', ...traceHeaders() };
    if (written['message-id'] === undefined) throw new Error('unreachable');
  });
  endStageSpan(span, outcome, 1);
}

/** CPU nanoseconds a message, the median of the rounds. */
async function measure(): Promise<number> {
  const perMessage: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const before = process.cpuUsage();
    for (let n = 0; n < messages; n += 1) await oneMessage();
    const used = process.cpuUsage(before);
    perMessage.push(((used.user + used.system) * 1000) / messages);
  }
  return perMessage.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? Number.NaN;
}

const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const logger = createLogger({ level: 'silent' });
const settings = { serviceName: 'bench', serviceVersion: 'bench', stages: ['processor'] };

await measure(); // warm-up
const off = await measure();
const telemetry = await startTelemetry(
  { ...settings, otlpEndpoint: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` },
  logger,
);
await measure(); // warm-up
const on = await measure();
await telemetry.stop();
receiver.close();

console.log(
  JSON.stringify({
    messagesPerRound: messages,
    rounds,
    offNsPerMessage: Math.round(off),
    onNsPerMessage: Math.round(on),
    onToOffRatio: Number((on / off).toFixed(1)),
    // Against the CPU the three stages spend on an allocation (14.5 ms, docs/throughput.md).
    onShareOfAnAllocation: Number((on / 14_500_000).toFixed(4)),
  }),
);
