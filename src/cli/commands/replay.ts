import { parseArgs } from 'node:util';
import { stageNames, type StageName } from '../../config/config.ts';
import type { KafkaOperations } from '../../kafka/operations.ts';
import { stageInput, UsageError, type CliConfig } from '../cli-config.ts';
import type { Output } from '../output.ts';

export const replayHelp = `usage: allocations replay --stage processor|sink TARGET [--partitions 0,1] [--dry-run]

Moves a stage's consumer group back (or forward) on its input topic, so that its processes read from there
the next time they start. Every allocation a sink replays is a duplicate in Delius and changes nothing.
Refused while the group has live members: stop the stage's processes first.

TARGET, one of:
  --to-earliest             the first record still on the topic
  --to-latest               the end: skip everything not yet read
  --to-time ISO-8601        the first record at or after that time, e.g. 2026-11-27T09:00:00Z
  --to-offsets P:O[,P:O]    the given offset of each given partition, e.g. 0:120,3:56

  --partitions 0,1          only these partitions (default: all)
  --dry-run                 print the plan and change nothing`;

export async function replay(
  args: string[],
  config: CliConfig,
  kafka: () => Promise<KafkaOperations>,
  out: Output,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      stage: { type: 'string' },
      'to-earliest': { type: 'boolean' },
      'to-latest': { type: 'boolean' },
      'to-time': { type: 'string' },
      'to-offsets': { type: 'string' },
      partitions: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const stage = values.stage;
  if (!stage || !(stageNames as readonly string[]).includes(stage))
    throw new UsageError('--stage processor|sink is required');
  const { topic, groupId } = stageInput(config, stage as StageName);
  const targets = [
    values['to-earliest'],
    values['to-latest'],
    values['to-time'],
    values['to-offsets'],
  ].filter((value) => value !== undefined);
  if (targets.length !== 1)
    throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-time, --to-offsets');

  const operations = await kafka();
  const lag = await operations.lag(groupId, topic);
  const chosen = values.partitions
    ? new Set(values.partitions.split(',').map((partition) => Number(partition.trim())))
    : new Set(lag.map((entry) => entry.partition));
  for (const partition of chosen) {
    if (!lag.some((entry) => entry.partition === partition))
      throw new UsageError(`${topic} has no partition ${partition}`);
  }
  const ends = await operations.bounds(topic);
  let target: Map<number, number>;
  if (values['to-earliest']) target = new Map(ends.map((end) => [end.partition, Number(end.low)]));
  else if (values['to-latest']) target = new Map(ends.map((end) => [end.partition, Number(end.high)]));
  else if (values['to-time']) {
    const time = Date.parse(values['to-time']);
    if (Number.isNaN(time)) throw new UsageError(`--to-time: not a date-time: ${values['to-time']}`);
    const byTime = await operations.offsetsAt(topic, time);
    target = new Map(
      byTime.map((entry) => {
        const end = ends.find((candidate) => candidate.partition === entry.partition);
        // No record at or after the time: the end of the partition.
        return [entry.partition, Number(entry.offset) < 0 ? Number(end?.high ?? 0) : Number(entry.offset)];
      }),
    );
  } else {
    target = new Map(
      (values['to-offsets'] ?? '').split(',').map((pair) => {
        const [partition, offset] = pair.split(':').map((part) => Number(part.trim()));
        if (!Number.isInteger(partition) || !Number.isInteger(offset))
          throw new UsageError(`--to-offsets: not PARTITION:OFFSET: ${pair}`);
        return [partition as number, offset as number];
      }),
    );
    for (const partition of target.keys()) chosen.add(partition);
  }

  const plan = lag
    .filter((entry) => chosen.has(entry.partition) && target.has(entry.partition))
    .map((entry) => {
      const end = ends.find((candidate) => candidate.partition === entry.partition);
      const to = Math.min(
        Math.max(target.get(entry.partition) ?? 0, Number(end?.low ?? 0)),
        Number(end?.high ?? 0),
      );
      return { partition: entry.partition, from: entry.committed, to, records: entry.end - to };
    });
  const showPlan = () =>
    out.table(
      'plan',
      ['partition', 'committed', 'new offset', 'records to read'],
      plan.map((row) => [row.partition, row.from ?? null, row.to, row.records]),
    );
  out.value('replay', { group: groupId, topic, dryRun: values['dry-run'] }, false);
  if (values['dry-run']) {
    out.say(`plan (dry run, nothing changed) of ${groupId} on ${topic}:`);
    showPlan();
    return;
  }
  // Refused before anything is printed as if it were happening.
  const members = await operations.liveMembers(groupId);
  if (members > 0) {
    throw new Error(
      `refused: ${groupId} has ${members} live member(s); stop the ${stage} processes first, then replay`,
    );
  }
  out.say(`replay of ${groupId} on ${topic}:`);
  showPlan();
  await operations.moveGroup(
    groupId,
    topic,
    plan.map((row) => ({ partition: row.partition, offset: row.to })),
  );
  out.say(
    `done: ${plan.reduce((sum, row) => sum + row.records, 0)} records will be read again when the ${stage} starts`,
  );
}
