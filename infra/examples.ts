import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootDir } from './paths.ts';

/** The specification's examples, beside the repository (`../shared/spec/examples`). */
export const examplesDir = path.resolve(rootDir, '..', 'shared', 'spec', 'examples');

/** Every example message, in an order where each owner's first allocation comes first. */
export const exampleMessages = [
  'person-allocation-message.json',
  'person-allocation-historic-message.json',
  'person-reallocation-message.json',
  'person-allocation-by-id-message.json',
  'event-allocation-message.json',
  'event-allocation-historic-message.json',
  'event-reallocation-message.json',
  'event-reallocation-spo-oversight-message.json',
  'event-allocation-by-id-message.json',
  'requirement-allocation-message.json',
  'requirement-allocation-historic-message.json',
  'requirement-reallocation-message.json',
  'licence-condition-allocation-message.json',
  'licence-condition-allocation-historic-message.json',
  'licence-condition-reallocation-message.json',
] as const;

/** An example message's domain event, its `{wiremock.port}` detail URL pointing at the local Workload API. */
export async function readExampleEvent(
  file: string,
  workloadApiUrl: string,
): Promise<Record<string, unknown>> {
  const envelope = JSON.parse(await readFile(path.join(examplesDir, file), 'utf8')) as { Message: string };
  return JSON.parse(envelope.Message.replace('http://localhost:{wiremock.port}', workloadApiUrl)) as Record<
    string,
    unknown
  >;
}
