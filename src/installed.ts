import { createRequire } from 'node:module';

/**
 * Whether a package can be loaded. The local-run-only ones (pino-pretty) are devDependencies, left out
 * of the production image, so what uses them asks first and says plainly what is missing.
 */
export function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
