// The alert rules (deploy/base/prometheus-rules.yaml) under Prometheus's own unit tests: `promtool test rules`
// with the series of prometheus-rules.promtool.yaml, each alert fired by some and left quiet by normal running.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { ensurePrometheus } from '../../infra/prometheus.ts';
import { ruleGroups } from '../support/manifests.ts';

const run = promisify(execFile);

interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}
const promtoolTests = join(import.meta.dirname, 'prometheus-rules.promtool.yaml');

describe('the alert rules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'allocations-rules-'));
    await writeFile(join(dir, 'rules.yaml'), stringify(await ruleGroups()));
    await copyFile(promtoolTests, join(dir, 'tests.yaml'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('pass promtool’s check and every one of its unit tests', async () => {
    const { promtool } = await ensurePrometheus();
    const checked = await run(promtool, ['check', 'rules', join(dir, 'rules.yaml')]);
    expect(checked.stdout).toMatch(/SUCCESS: \d+ rules found/);
    // promtool exits 1, printing each expected and actual alert, where a test fails: run rejects with it.
    const tested = await run(promtool, ['test', 'rules', join(dir, 'tests.yaml')]).catch(
      (error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout}${error.stderr}` }),
    );
    expect(tested.stdout).toContain('SUCCESS');
    expect(tested.stdout).not.toContain('FAILED');
  });

  it('each alert has a test that fires it and is quiet in normal running', async () => {
    const alerts = (await ruleGroups()).groups.flatMap((group) =>
      group.rules.flatMap((rule) => rule.alert ?? []),
    );
    const tests = (
      parse(await readFile(promtoolTests, 'utf8')) as {
        tests: { name: string; alert_rule_test?: AlertTest[] }[];
      }
    ).tests;
    const normal = tests.find((test) => test.name.startsWith('normal running'));
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    for (const alert of alerts) {
      const fired = tests.some((test) =>
        test.alert_rule_test?.some((check) => check.alertname === alert && check.exp_alerts.length > 0),
      );
      const quiet = normal?.alert_rule_test?.some(
        (check) => check.alertname === alert && check.exp_alerts.length === 0,
      );
      expect([alert, fired, quiet]).toEqual([alert, true, true]);
    }
  });

  it('alert on recorded signals only, so that the dashboard graphs what is alerted on', async () => {
    const rules = (await ruleGroups()).groups.flatMap((group) => group.rules);
    const recorded = new Set(rules.flatMap((rule) => rule.record ?? []));
    for (const rule of rules.filter((candidate) => candidate.alert)) {
      const signal = /^([\w:]+) (?:>|<|==|>=|<=) [\d.e]+$/.exec(rule.expr)?.[1];
      expect([rule.alert, signal !== undefined && recorded.has(signal)]).toEqual([rule.alert, true]);
    }
  });
});
