import { parseArgs } from 'node:util';
import type { KafkaOperations } from '../../kafka/operations.ts';
import { stageInput, type CliConfig } from '../cli-config.ts';
import { jsonOptionHelp, type Output } from '../output.ts';

export const lagHelp = `usage: allocations lag [--json]

For each stage with a consumer group (processor, sink) and each partition of its input topic: the committed
offset, the end offset, and the lag (records not yet handled).

${jsonOptionHelp}`;

export async function lag(
  args: string[],
  config: CliConfig,
  kafka: () => Promise<KafkaOperations>,
  out: Output,
): Promise<void> {
  // It takes no options: anything given is a mistake worth saying, not ignoring.
  parseArgs({ args, options: {} });
  const operations = await kafka();
  const rows: (string | number | null)[][] = [];
  for (const stage of ['processor', 'sink'] as const) {
    const { topic, groupId } = stageInput(config, stage);
    for (const entry of await operations.lag(groupId, topic)) {
      rows.push([stage, topic, entry.partition, entry.committed ?? null, entry.end, entry.lag]);
    }
  }
  out.table('partitions', ['stage', 'topic', 'partition', 'committed', 'end', 'lag'], rows);
}
