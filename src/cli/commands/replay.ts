import { parseArgs } from 'node:util';
import { stageNames, type StageName } from '../../config/config.ts';
import type { KafkaOperations } from '../../kafka/operations.ts';
import { stageInput, UsageError, type CliConfig } from '../cli-config.ts';
import { replayTargetOf, withNegativeShift } from './replay-target.ts';
import { jsonOptionHelp, type Output } from '../output.ts';

export const replayHelp = `usage: allocations replay --stage processor|sink TARGET [--partitions 0,1] [--execute] [--json]

Plans, and with --execute makes, a move of a stage's consumer group on its input topic, so that its processes
read from there the next time they start (as kafka-consumer-groups --reset-offsets: a plan unless --execute).
Every allocation a sink replays is a duplicate in Delius and changes nothing. --execute is refused while the
group has live members: stop the stage's processes first.

TARGET, one of:
  --to-earliest             the first record still on the topic
  --to-latest               the end: skip everything not yet read
  --to-datetime DATE-TIME   the first record at or after that time, YYYY-MM-DDTHH:mm:SS[.sss][Z|±hh:mm] (UTC if
                            no zone), e.g. 2026-11-27T09:00:00Z (--to-time is the same)
  --by-duration DURATION    the first record at or after that long ago, ISO-8601 in days, hours, minutes and
                            seconds, e.g. PT30M, P1DT2H
  --shift-by N              each partition's committed offset moved by N records (back where negative; from the
                            first record where none is committed)
  --to-offsets P:O[,P:O]    the given offset of each given partition, e.g. 0:120,3:56

  --partitions 0,1          only these partitions (default: all)
  --execute                 make the move (without it: print the plan and change nothing)
  --dry-run                 print the plan and change nothing (what happens without --execute)
${jsonOptionHelp}`;

export async function replay(
  args: string[],
  config: CliConfig,
  kafka: () => Promise<KafkaOperations>,
  out: Output,
): Promise<void> {
  const { values } = parseArgs({
    args: withNegativeShift(args),
    options: {
      stage: { type: 'string' },
      'to-earliest': { type: 'boolean' },
      'to-latest': { type: 'boolean' },
      'to-datetime': { type: 'string' },
      'to-time': { type: 'string' },
      'by-duration': { type: 'string' },
      'shift-by': { type: 'string' },
      'to-offsets': { type: 'string' },
      partitions: { type: 'string' },
      execute: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const stage = values.stage;
  if (!stage || !(stageNames as readonly string[]).includes(stage))
    throw new UsageError('--stage processor|sink is required');
  const { topic, groupId } = stageInput(config, stage as StageName);
  if (values.execute && values['dry-run'])
    throw new UsageError('--execute and --dry-run say opposite things');
  const target = replayTargetOf(values, Date.now());

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
  const endOf = (partition: number) => ends.find((end) => end.partition === partition);
  const offsets = new Map<number, number>();
  switch (target.kind) {
    case 'earliest':
      for (const end of ends) offsets.set(end.partition, Number(end.low));
      break;
    case 'latest':
      for (const end of ends) offsets.set(end.partition, Number(end.high));
      break;
    case 'time':
      for (const entry of await operations.offsetsAt(topic, target.at)) {
        // No record at or after the time: the end of the partition.
        const offset = Number(entry.offset);
        offsets.set(entry.partition, offset < 0 ? Number(endOf(entry.partition)?.high ?? 0) : offset);
      }
      break;
    case 'shift':
      for (const entry of lag)
        offsets.set(
          entry.partition,
          (entry.committed ?? Number(endOf(entry.partition)?.low ?? 0)) + target.by,
        );
      break;
    case 'offsets':
      for (const [partition, offset] of target.offsets) {
        offsets.set(partition, offset);
        chosen.add(partition);
      }
      break;
  }

  const plan = lag
    .filter((entry) => chosen.has(entry.partition) && offsets.has(entry.partition))
    .map((entry) => {
      const end = endOf(entry.partition);
      const to = Math.min(
        Math.max(offsets.get(entry.partition) ?? 0, Number(end?.low ?? 0)),
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
  out.value('replay', { group: groupId, topic, executed: values.execute }, false);
  if (!values.execute) {
    out.say(`plan (nothing changed; --execute makes it) of ${groupId} on ${topic}:`);
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
