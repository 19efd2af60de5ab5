// The Grafana dashboard and the alert rules (deploy/base/), evaluated by a real Prometheus that scrapes a running
// pipeline: every expression must parse and return series, as it would for an operator on the day.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { personEvent } from '../support/allocation-requests.ts';
import { eventually } from '../support/eventually.ts';
import { testScope } from '../support/isolation.ts';
import { deployDir, ruleGroups } from '../support/manifests.ts';
import { ceiling } from '../support/patience.ts';
import { testPipeline, type TestPipeline } from '../support/pipeline.ts';
import { startPrometheus } from '../support/prometheus-server.ts';

const namespace = 'allocations-test';

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query?: { query: string } }[] };
}

/** A dashboard expression as Grafana sends it: its variables given the values this test's series carry. */
const asGrafanaSends = (expr: string) =>
  expr.replaceAll('$namespace', namespace).replaceAll('$__rate_interval', '1m');

describe('the dashboard and the alert rules, against a running pipeline', () => {
  const scope = testScope('dashboard');
  let pipeline: TestPipeline;
  let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
  let dashboard: Dashboard;

  beforeAll(async () => {
    dashboard = JSON.parse(
      await readFile(join(deployDir, 'base', 'grafana-dashboard.json'), 'utf8'),
    ) as Dashboard;
    pipeline = await testPipeline(scope);
    prometheus = await startPrometheus({
      // Labelled as the ServiceMonitor's targets are in the cluster: the namespace, the pod, a job per stage.
      targets: [
        {
          job: 'allocations-pipeline',
          address: `127.0.0.1:${pipeline.service?.httpPort}`,
          labels: { namespace, pod: 'allocations-pipeline-1' },
        },
      ],
      ruleFiles: { 'rules.yaml': await ruleGroups() },
    });
    // Traffic once Prometheus scrapes, so that every counter moves between two of its samples: an allocation
    // applied, one retried after the Workload API answered 500, one dead-lettered.
    await eventually(
      async () => (await prometheus.query('up{job="allocations-pipeline"} == 1')).series.length > 0,
    );
    pipeline.api.register('/allocation/person/flaky', [
      { status: 500, body: { status: 500 } },
      {
        status: 200,
        body: {
          id: 'x',
          staffCode: 'N02ABS1',
          teamCode: 'N02ABS',
          createdDate: '2022-07-28T10:30:54.023+01:00',
          crn: 'T123456',
        },
      },
    ]);
    const ids = await Promise.all([
      pipeline.publishExample('person-allocation-message.json'),
      pipeline.publish(personEvent(`${pipeline.api.url}/allocation/person/flaky`, 'T123456')),
      pipeline.publish(personEvent('http://127.0.0.1:9/allocation/person/elsewhere', 'T423456')),
    ]);
    // The same person and practitioner twice: whichever the sink takes second is already in Delius.
    const settled = [await pipeline.outcomeFor('sink', ids[0]), await pipeline.outcomeFor('sink', ids[1])];
    expect(settled.map((outcome) => outcome.status).sort()).toEqual(['applied', 'duplicate']);
    expect((await pipeline.outcomeFor('processor', ids[2])).status).toBe('dead-letter');
  });
  afterAll(async () => {
    await prometheus?.stop();
    await pipeline?.close();
    await scope.close();
  });

  /** Waits until the expression returns series (a query Prometheus refuses fails at once). */
  const seriesOf = (expr: string) =>
    eventually(
      async () => {
        const answer = await prometheus.query(expr).catch((error: unknown) => ({ refused: error }));
        if ('refused' in answer) return { refused: answer.refused };
        return answer.series.length > 0 ? { series: answer.series } : false;
      },
      { timeoutMs: ceiling(60_000) },
    );

  it('evaluates every expression of every panel to series', async () => {
    const expressions = dashboard.panels.flatMap((panel) =>
      panel.targets.map((target) => ({ panel: panel.title, expr: asGrafanaSends(target.expr) })),
    );
    expect(expressions.length).toBeGreaterThanOrEqual(10);
    for (const { panel, expr } of expressions) {
      const answer = await seriesOf(expr);
      expect([panel, expr, 'series' in answer]).toEqual([panel, expr, true]);
    }
  });

  it('finds the namespace the dashboard’s variable lists', async () => {
    const variable = dashboard.templating.list.find((entry) => entry.name === 'namespace');
    const [, metric, label] = /^label_values\((\w+), (\w+)\)$/.exec(variable?.query?.query ?? '') ?? [];
    const answer = await seriesOf(`count by (${label}) (${metric})`);
    expect('series' in answer && answer.series?.map((series) => series.metric[label!])).toEqual([namespace]);
  });

  it('loads every rule healthy, records every signal, and parses every alert', async () => {
    const rules = (await ruleGroups()).groups.flatMap((group) => group.rules);
    for (const rule of rules.filter((candidate) => candidate.record)) {
      const answer = await seriesOf(rule.record!);
      expect([rule.record, 'series' in answer]).toEqual([rule.record, true]);
    }
    for (const rule of rules.filter((candidate) => candidate.alert)) await prometheus.query(rule.expr);
    const loaded = await eventually(async () => {
      const all = await prometheus.rules();
      return all.length === rules.length && all.every((rule) => rule.health !== 'unknown') && all;
    });
    expect(loaded.filter((rule) => rule.health !== 'ok')).toEqual([]);
  });
});
