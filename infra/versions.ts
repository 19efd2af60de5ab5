import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { rootDir } from './paths.ts';

/**
 * The one place that names each server's version is docker-compose.yml's image tags: compose runs those images,
 * the process stack (infra/) fetches the same versions from Maven Central, and the containers stack runs the same
 * public images, or builds local ones of the same versions where no image registry is reachable.
 */
const composeSchema = z.object({
  services: z.object({
    kafka: z.object({ image: z.string() }),
    'schema-registry': z.object({ image: z.string() }),
    sqs: z.object({ image: z.string() }),
    postgres: z.object({ image: z.string() }),
    oracle: z.object({ image: z.string() }),
  }),
});

export interface ServerImage {
  /** The public image, as compose names it: `apache/kafka:4.1.2`. */
  readonly image: string;
  readonly version: string;
}

function imageOf(reference: string): ServerImage {
  const version = reference.split(':')[1];
  if (!version) throw new Error(`docker-compose.yml names ${reference} without a version tag`);
  return { image: reference, version };
}

const compose = composeSchema.parse(parse(readFileSync(path.join(rootDir, 'docker-compose.yml'), 'utf8')));

export const servers = {
  kafka: imageOf(compose.services.kafka.image),
  registry: imageOf(compose.services['schema-registry'].image),
  sqs: imageOf(compose.services.sqs.image),
  postgres: imageOf(compose.services.postgres.image),
  /** Oracle Free (gvenzl's slim image), for `npm run test:oracle` where a Docker engine answers. */
  oracle: imageOf(compose.services.oracle.image),
} as const;

/** The Node.js major version of the production image's base (`node:24-bookworm-slim`). */
export const nodeMajor = 24;
