import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, whatever the current directory. */
export const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Downloaded jars and archives: git-ignored, kept between runs so that a second `infra:up` downloads nothing. */
export const cacheDir = process.env['INFRA_CACHE_DIR'] ?? path.join(rootDir, '.cache');

/** The running stack: state, endpoints, logs and Kafka data. Git-ignored. */
export const runtimeDir = process.env['INFRA_RUNTIME_DIR'] ?? path.join(rootDir, '.infra');

export const stateFile = path.join(runtimeDir, 'stack.json');

/** Endpoints of the running stack, as `NAME=value` lines that the service and the tests read. */
export const envFile = path.join(runtimeDir, 'stack.env');
