// `allocations status`: the pipeline on one screen, from the real stack. CloudWatch (the only place SQS says how
// old its oldest message is) cannot run here: its endpoint is played by a local HTTP server that answers as
// CloudWatch does (AWS JSON 1.0), under the real SDK client.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { personEvent } from '../support/allocation-requests.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { allocationsCli, spawnScript } from '../support/processes.ts';

interface Status {
  queues: { queue: string; waiting: number | null; oldestSeconds: number | null }[];
  stages: {
    stage: string;
    members: number;
    lag: number;
    oldestUnsettledSeconds: number | null;
    partitionsWaiting: number;
  }[];
  partitions: { stage: string; partition: number; lag: number; oldestUnsettledSeconds: number | null }[];
  deadLetters: { stage: string; pending: number; redriven: number }[];
  messages: string[];
}

/** CloudWatch's GetMetricData, answering 42 s for the queue's oldest message; it keeps what it was asked. */
async function cloudWatchDouble() {
  const asked: { target: string; body: Record<string, unknown> }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      asked.push({
        target: String(request.headers['x-amz-target']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(
        JSON.stringify({
          MetricDataResults: [
            {
              Id: 'oldest',
              Label: 'ApproximateAgeOfOldestMessage',
              StatusCode: 'Complete',
              Timestamps: [Math.floor(Date.now() / 1000)],
              Values: [42],
            },
          ],
          Messages: [],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('allocations status', () => {
  const scope = testScope('cli-status');
  let pipeline: TestPipeline;
  let cloudWatch: Awaited<ReturnType<typeof cloudWatchDouble>>;
  beforeAll(async () => {
    cloudWatch = await cloudWatchDouble();
    // No sink: what the processor enriches waits on the allocations topic, unsettled. Without watermark
    // records, so that what waits there is allocations only.
    pipeline = await testPipeline(scope, {
      stages: ['connector', 'processor'],
      env: { ORDER_WATERMARK: 'false' },
    });
    const applied = await pipeline.publishExample('person-allocation-message.json');
    const refused = await pipeline.publish(
      personEvent('http://127.0.0.1:9/allocation/person/elsewhere', 'T123456'),
    );
    expect((await pipeline.outcomeFor('processor', applied)).status).toBe('applied');
    expect((await pipeline.outcomeFor('processor', refused)).status).toBe('dead-letter');
  });
  afterAll(async () => {
    await pipeline.close();
    await cloudWatch.close();
    await scope.close();
  });

  it('shows the queues, each stage’s members, lag and oldest unsettled record, and the dead letters', async () => {
    const { code, stdout, stderr } = await allocationsCli(['status', '--json'], {
      ...pipeline.env,
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.url,
    });
    expect([code, stderr]).toEqual([0, '']);
    const status = JSON.parse(stdout) as Status;
    expect(status.queues).toEqual([
      expect.objectContaining({ queue: 'allocations', waiting: 0, oldestSeconds: 42 }) as unknown,
      expect.objectContaining({ queue: 'dead-letter', waiting: 0, oldestSeconds: 42 }) as unknown,
    ]);
    const queueName = new URL(pipeline.queue.queueUrl).pathname.split('/').at(-1);
    expect(cloudWatch.asked[0]?.target).toMatch(/\.GetMetricData$/);
    expect(JSON.stringify(cloudWatch.asked[0]?.body)).toContain(`"Value":"${queueName}"`);
    expect(JSON.stringify(cloudWatch.asked[0]?.body)).toContain(
      '"MetricName":"ApproximateAgeOfOldestMessage"',
    );

    const [processor, sink] = status.stages;
    expect(processor).toMatchObject({ stage: 'processor', members: 1, lag: 0, oldestUnsettledSeconds: null });
    expect(sink).toMatchObject({ stage: 'sink', members: 0, lag: 1, partitionsWaiting: 1 });
    expect(sink?.oldestUnsettledSeconds).toEqual(expect.any(Number));
    expect(sink?.oldestUnsettledSeconds).toBeLessThan(ceiling(600));
    expect(status.partitions.filter((row) => row.stage === 'sink' && row.lag > 0)).toEqual([
      expect.objectContaining({ oldestUnsettledSeconds: sink?.oldestUnsettledSeconds }) as unknown,
    ]);
    expect(status.deadLetters).toEqual([
      { stage: 'processor', pending: 1, redriven: 0 },
      { stage: 'sink', pending: 0, redriven: 0 },
    ]);
  });

  it('says the oldest message’s age is unknown against a local SQS with no CloudWatch', async () => {
    const { code, stdout } = await allocationsCli(['status', '--json'], pipeline.env);
    expect(code).toBe(0);
    const status = JSON.parse(stdout) as Status;
    expect(status.queues.map((queue) => queue.oldestSeconds)).toEqual([null, null]);
    expect(status.messages.join('\n')).toContain('oldest: unknown');
  });

  it('shows it again every interval with --watch, one JSON document a line, until interrupted', async () => {
    const watching = spawnScript('bin/allocations.js', ['status', '--watch', '1', '--json'], pipeline.env);
    const exited = new Promise<number | null>((resolve) => watching.child.on('exit', resolve));
    const documents = await eventually(
      () => {
        const lines = watching.printed.stdout.split('\n').filter(Boolean);
        return lines.length >= 2 && lines.map((line) => JSON.parse(line) as Status);
      },
      { timeoutMs: ceiling(60_000) },
    );
    for (const document of documents)
      expect(document.stages.map((stage) => stage.stage)).toEqual(['processor', 'sink']);
    watching.child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
