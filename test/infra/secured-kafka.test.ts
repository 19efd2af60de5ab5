// `npm run infra:secured-kafka`: a broker that requires TLS with SASL/SCRAM, started by the local stack for trying
// the security settings by hand; the settings it prints are enough for the allocations tool to work with it.
import { parseEnv } from 'node:util';
import { eventually } from '../support/eventually.ts';
import { ceiling } from '../support/patience.ts';
import { allocationsCli, spawnScript } from '../support/processes.ts';

describe('npm run infra:secured-kafka', () => {
  it('starts a broker that requires TLS and SCRAM, prints the settings that use it, and stops on Ctrl-C', async () => {
    const { child, printed } = spawnScript('infra/cli.ts', ['secured-kafka'], {});
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await eventually(() => printed.stdout.includes('[infra] KAFKA_SASL_PASSWORD='), {
        timeoutMs: ceiling(120_000),
      }).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${printed.both}`);
      });
      const settings = parseEnv(
        printed.stdout
          .split('\n')
          .filter((line) => /^\[infra\] KAFKA_[A-Z_]+=/.test(line))
          .map((line) => line.slice('[infra] '.length))
          .join('\n'),
      ) as Record<string, string>;
      expect(settings).toMatchObject({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512' });

      const secured = await allocationsCli(['provision', '--dry-run', '--json'], settings);
      expect(secured.code).toBe(0);
      expect(
        (JSON.parse(secured.stdout) as { topics: { action: string }[] }).topics.map((t) => t.action),
      ).toContain('create');
      const { KAFKA_SASL_PASSWORD: _, ...withoutPassword } = settings;
      const refused = await allocationsCli(['provision', '--dry-run'], {
        ...withoutPassword,
        KAFKA_SASL_PASSWORD: 'wrong',
      });
      expect(refused.code).toBe(1);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(printed.stdout).toContain('[infra] stopping the secured broker');
  });
});
