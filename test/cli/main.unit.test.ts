import { runCli } from '../../src/cli/main.ts';

async function helpOf(command: string): Promise<string> {
  const lines: string[] = [];
  expect(await runCli([command, '--help'], {}, (line) => lines.push(line))).toBe(0);
  return lines.join('\n');
}

describe('the operator tool’s help', () => {
  it.each(['replay', 'dead-letters', 'lag', 'send', 'provision'])(
    'lists --json, which %s takes as every command does',
    async (command) => {
      expect(await helpOf(command)).toMatch(/^\s+--json\s+one JSON document on stdout/m);
    },
  );

  it('lists every option replay takes, the targets of kafka-consumer-groups --reset-offsets among them', async () => {
    const help = await helpOf('replay');
    for (const option of [
      '--stage',
      '--to-earliest',
      '--to-latest',
      '--to-datetime',
      '--to-time',
      '--by-duration',
      '--shift-by',
      '--to-offsets',
      '--partitions',
      '--execute',
      '--dry-run',
    ])
      expect(help).toContain(option);
    expect(help).toContain('a plan unless --execute');
  });

  it('refuses a replay told both to execute and not to', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      const code = await runCli(
        ['replay', '--stage', 'sink', '--to-earliest', '--execute', '--dry-run'],
        { KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1' },
        () => undefined,
      );
      expect(code).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toContain('--execute and --dry-run say opposite things');
  });
});
