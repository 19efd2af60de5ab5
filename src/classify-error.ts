import { resolveDatabaseError } from './db/database-errors.ts';
import { classifierOf, resolveValidationError } from './domain/errors.ts';
import { resolveKafkaError } from './kafka/kafka-errors.ts';
import { resolveRegistryError } from './kafka/registry-errors.ts';
import { resolveHttpError } from './processors/http-errors.ts';

/**
 * The one classifier: what any thrown error means (its code, and whether trying again could help), composed
 * from one resolver per adapter. The runner and the connector are given it by the composition root.
 */
export const classifyError = classifierOf(
  resolveValidationError,
  resolveDatabaseError,
  resolveKafkaError,
  // Before the registry's: both clients fail with undici's "fetch failed", and the registry adapter (serde)
  // resolves its own errors where it calls the registry.
  resolveHttpError,
  resolveRegistryError,
);
