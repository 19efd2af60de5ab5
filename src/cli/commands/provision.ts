import { parseArgs } from 'node:util';
import { valueSubject, type SchemaRegistrar } from '../../kafka/avro-schemas.ts';
import type { KafkaOperations } from '../../kafka/operations.ts';
import type { TopicSpec } from '../../kafka/topics.ts';
import { redriveLogSpec } from '../../kafka/redrive-log.ts';
import { topicSpecsOf, topologyOf } from '../../topology.ts';
import type { CliConfig } from '../cli-config.ts';
import { jsonOptionHelp, type Output } from '../output.ts';

export const provisionHelp = `usage: allocations provision [--dry-run] [--json]

Creates the service's topics that are missing (TOPIC_PARTITIONS partitions, KAFKA_REPLICATION_FACTOR replicas,
retention KAFKA_RETENTION_MS, and DEAD_LETTER_RETENTION_MS for the dead-letter topic and its compacted redrive
log) and registers this
version's Avro schemas under their subjects (compatibility BACKWARD: the registry refuses an incompatible one).
For a deployment whose service runs without those rights (KAFKA_CREATE_TOPICS and SCHEMA_REGISTER off, the
image's defaults): run it with the platform's credentials before a version with a new schema starts. Existing
topics are left as they are; running it again changes nothing.

  --dry-run say what it would do, and change nothing
${jsonOptionHelp}`;

/** The topics the service needs, as the settings describe them. */
export function topicSpecs(config: CliConfig): TopicSpec[] {
  return [
    ...topicSpecsOf(config),
    // The tool's own: which dead letters were redriven (src/kafka/redrive-log.ts).
    redriveLogSpec(config),
  ];
}

export async function provision(
  args: string[],
  config: CliConfig,
  clients: { kafka: () => Promise<KafkaOperations>; registry: () => SchemaRegistrar },
  out: Output,
): Promise<void> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' } } });
  const operations = await clients.kafka();
  const specs = topicSpecs(config);
  const topology = topologyOf(config);
  const schemas = (['connector', 'processor', 'sink'] as const).map((stage) => topology[stage].output);
  if (values['dry-run']) {
    const existing = new Set(await operations.topics());
    out.table(
      'topics',
      ['topic', 'partitions', 'replicas', 'retention ms', 'cleanup', 'action'],
      specs.map((spec) => [
        spec.topic,
        spec.partitions,
        spec.replicationFactor,
        spec.retentionMs,
        spec.cleanupPolicy ?? 'delete',
        existing.has(spec.topic) ? 'exists, left as it is' : 'create',
      ]),
    );
    out.table(
      'schemas',
      ['schema', 'subject', 'action'],
      schemas.map(({ topic, contract }) => [
        `schemas/${contract.avro}.avsc`,
        valueSubject(topic),
        'register',
      ]),
    );
    return;
  }
  const created = await operations.ensureTopics(specs);
  out.value('created', created, created.length ? `created ${created.join(', ')}` : 'every topic exists');
  const registry = clients.registry();
  const registered: (string | number)[][] = [];
  for (const { topic, contract } of schemas) {
    const id = await registry.register(topic, contract.avro);
    registered.push([`schemas/${contract.avro}.avsc`, valueSubject(topic), id]);
  }
  out.table('schemas', ['schema', 'subject', 'id'], registered);
}
