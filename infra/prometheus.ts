// Prometheus and promtool, for the tests of the alert rules and the dashboard (deploy/): the ones on the PATH, or
// Debian's `prometheus` package unpacked into the git-ignored .cache/ (no root, nothing installed system-wide).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { cachedDirectory } from './cached.ts';
import { cacheDir } from './paths.ts';

const run = promisify(execFile);

export interface PrometheusTools {
  readonly prometheus: string;
  readonly promtool: string;
}

const cachedBin = path.join(cacheDir, 'prometheus', 'usr', 'bin');

/** The command's path on the PATH, if it is there. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The tools on the PATH (both), else those fetched into .cache/, else undefined. */
export function prometheusTools(): PrometheusTools | undefined {
  const prometheus = onPath('prometheus');
  const promtool = onPath('promtool');
  if (prometheus && promtool) return { prometheus, promtool };
  const cached = {
    prometheus: path.join(cachedBin, 'prometheus'),
    promtool: path.join(cachedBin, 'promtool'),
  };
  return existsSync(cached.prometheus) && existsSync(cached.promtool) ? cached : undefined;
}

/**
 * Unpacks Debian's `prometheus` package into .cache/prometheus (once): `apt-get download` needs no root, and the
 * package's two binaries are static. Returns whether it fetched; false where the tools are already there.
 */
export async function fetchPrometheus(onStart: () => void = () => undefined): Promise<boolean> {
  if (prometheusTools()) return false;
  return cachedDirectory(
    path.join(cacheDir, 'prometheus'),
    async (tmp) => {
      try {
        await run('apt-get', ['download', 'prometheus'], { cwd: tmp, maxBuffer: 16 * 1024 * 1024 });
      } catch (error) {
        throw new Error(
          'Prometheus is needed by the tests of the alert rules and the dashboard: put `prometheus` and `promtool` ' +
            '(2.x) on the PATH, or run on Debian or Ubuntu, where `npm run infra:fetch` downloads the `prometheus` ' +
            `package with apt-get (${(error as Error).message.split('\n')[0]})`,
          { cause: error },
        );
      }
      const [deb] = (await readdir(tmp)).filter((name) => name.endsWith('.deb'));
      if (!deb) throw new Error('apt-get download prometheus left no package');
      await run('dpkg-deb', ['-x', deb, '.'], { cwd: tmp });
    },
    onStart,
  );
}

/** The tools, fetched first if need be. */
export async function ensurePrometheus(onStart?: () => void): Promise<PrometheusTools> {
  await fetchPrometheus(onStart);
  const tools = prometheusTools();
  if (!tools)
    throw new Error('Prometheus was fetched, but its binaries are not in .cache/prometheus/usr/bin');
  return tools;
}
