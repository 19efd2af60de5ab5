import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootDir } from './paths.ts';

/** The specification's examples, beside the repository (`../shared/spec/examples`). */
export const examplesDir = path.resolve(rootDir, '..', 'shared', 'spec', 'examples');

/**
 * Every example message with the detail body its stub serves (spec §19), in an order where each owner's first
 * allocation comes first. The by-id details of the original's unit tests have no message and are left out.
 */
export const examplePairs = [
  ['person-allocation-message.json', 'person-allocation-details.json'],
  ['person-allocation-historic-message.json', 'person-allocation-details-historic.json'],
  ['person-reallocation-message.json', 'person-allocation-details-reallocation.json'],
  ['person-allocation-by-id-message.json', 'person-allocation-details-by-id.json'],
  ['event-allocation-message.json', 'event-allocation-details.json'],
  ['event-allocation-historic-message.json', 'event-allocation-details-historic.json'],
  ['event-reallocation-message.json', 'event-allocation-details-reallocation.json'],
  [
    'event-reallocation-spo-oversight-message.json',
    'event-allocation-details-reallocation-spo-oversight.json',
  ],
  ['event-allocation-by-id-message.json', 'event-allocation-details-by-id.json'],
  ['requirement-allocation-message.json', 'requirement-allocation-details.json'],
  ['requirement-allocation-historic-message.json', 'requirement-allocation-details-historic.json'],
  ['requirement-reallocation-message.json', 'requirement-allocation-details-reallocation.json'],
  ['licence-condition-allocation-message.json', 'licence-condition-allocation-details.json'],
  [
    'licence-condition-allocation-historic-message.json',
    'licence-condition-allocation-details-historic.json',
  ],
  ['licence-condition-reallocation-message.json', 'licence-condition-allocation-details-reallocation.json'],
] as const;

export const exampleMessages = examplePairs.map(([message]) => message);

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
