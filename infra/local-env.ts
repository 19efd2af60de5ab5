import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { envFile } from './paths.ts';

/**
 * For the operator's tool in a checkout: the local stack's endpoints (written by `npm run infra:up`), under
 * whatever the environment already says (the environment wins). Returns the merged variables; `process.env`
 * itself is not changed. The product never reads .infra/: this is the checkout's convenience.
 */
export function withLocalStackEnv(env: NodeJS.ProcessEnv = process.env, file = envFile): NodeJS.ProcessEnv {
  if (!existsSync(file)) return env;
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}
