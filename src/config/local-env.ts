import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

/** Where `npm run infra:up` writes the endpoints of the local stack. */
export const localStackEnvFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '.infra',
  'stack.env',
);

/**
 * For local runs and the operator's tool: the local stack's endpoints, under whatever the environment already
 * says (the environment wins). Returns the merged variables; `process.env` itself is not changed.
 */
export function withLocalStackEnv(
  env: NodeJS.ProcessEnv = process.env,
  file = localStackEnvFile,
): NodeJS.ProcessEnv {
  if (!existsSync(file)) return env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}
