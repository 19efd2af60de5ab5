import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Fills `dir` once: `fill` writes into a temporary sibling which is renamed into place only when complete,
 * so an interrupted download is never mistaken for a good cache. Returns whether it downloaded.
 */
export async function cachedDirectory(
  dir: string,
  fill: (tmp: string) => Promise<void>,
  onFill: () => void = () => undefined,
): Promise<boolean> {
  const marker = path.join(dir, '.complete');
  if (existsSync(marker)) return false;
  onFill();
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    await writeFile(path.join(tmp, '.complete'), new Date().toISOString());
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return true;
}
