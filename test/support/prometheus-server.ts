// A real Prometheus server on loopback (infra/prometheus.ts finds or fetches it), scraping what a test names and
// evaluating rule files, queried over its HTTP API as Grafana would.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensurePrometheus } from '../../infra/prometheus.ts';
import { choosePort } from '../../infra/processes.ts';
import { eventually } from './eventually.ts';
import { ceiling } from './patience.ts';

export interface ScrapeTarget {
  readonly job: string;
  readonly address: string;
  readonly labels: Record<string, string>;
}

/** An instant query's answer: `series` is empty where nothing matched; a query Prometheus refuses throws. */
export interface QueryAnswer {
  readonly series: { metric: Record<string, string>; value: [number, string] }[];
}

export async function startPrometheus(options: {
  targets: readonly ScrapeTarget[];
  ruleFiles?: Record<string, unknown>;
}) {
  const { prometheus } = await ensurePrometheus();
  const dir = await mkdtemp(join(tmpdir(), 'allocations-prometheus-'));
  const ruleFiles = Object.entries(options.ruleFiles ?? {});
  for (const [name, content] of ruleFiles) await writeFile(join(dir, name), stringify(content));
  await writeFile(
    join(dir, 'prometheus.yml'),
    stringify({
      // Every second, so that a rate over a minute has its samples within a few seconds of a test.
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ruleFiles.map(([name]) => join(dir, name)),
      scrape_configs: options.targets.map((target) => ({
        job_name: target.job,
        static_configs: [{ targets: [target.address], labels: target.labels }],
      })),
    }),
  );
  const port = await choosePort(9190);
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    prometheus,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}:\n${output}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      { timeoutMs: ceiling(30_000) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    /** An instant query now. */
    async query(expr: string): Promise<QueryAnswer> {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: QueryAnswer['series'] };
      };
      if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error}`);
      return { series: body.data?.result ?? [] };
    },
    /** The rules Prometheus loaded, with each one's health and last error. */
    async rules(): Promise<{ name: string; type: string; health: string; lastError?: string }[]> {
      const response = await fetch(`${url}/api/v1/rules`);
      const body = (await response.json()) as {
        data: { groups: { rules: { name: string; type: string; health: string; lastError?: string }[] }[] };
      };
      return body.data.groups.flatMap((group) => group.rules);
    },
    stop,
  };
}
