import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { cachedDirectory } from './cached.ts';
import { findJava } from './java.ts';
import { copyArtifact } from './maven.ts';
import { cacheDir, rootDir, runtimeDir } from './paths.ts';
import { spawnDetached } from './processes.ts';
import { servers } from './versions.ts';

const run = promisify(execFile);

/**
 * Apicurio Registry, in memory (H2), serving the Confluent-compatible API at /apis/ccompat/v7.
 * From 3.3.1 the Maven Central archive is a tar.gz of a Quarkus fast-jar; it is compiled for Java 21.
 */
export const apicurioVersion = servers.registry.version;
const appDir = path.join(cacheDir, `apicurio-registry-${apicurioVersion}`);

/** Whether the server is in `.cache/` already (what fetching it leaves when it completes). */
export function registryFetched(): boolean {
  return existsSync(path.join(appDir, '.complete'));
}

export function fetchRegistry(onFetch?: () => void): Promise<boolean> {
  return cachedDirectory(
    appDir,
    async (tmp) => {
      await copyArtifact(`io.apicurio:apicurio-registry-app:${apicurioVersion}:tar.gz:all`, tmp, rootDir);
      const archive = readdirSync(tmp).find((name) => name.endsWith('.tar.gz'));
      if (!archive) throw new Error(`the Apicurio archive was not downloaded into ${tmp}`);
      await run('tar', ['-xzf', archive], { cwd: tmp });
      await run('rm', [archive], { cwd: tmp });
    },
    onFetch,
  );
}

export interface RegistryPorts {
  readonly port: number;
  readonly managementPort: number;
}

export const ccompatPath = '/apis/ccompat/v7';

export function startRegistry({ port, managementPort }: RegistryPorts): number {
  const java = findJava(21, `Apicurio Registry ${apicurioVersion}`);
  return spawnDetached(
    java.bin,
    [
      '-Xmx384m',
      '-Djava.util.logging.manager=org.jboss.logmanager.LogManager',
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${port}`,
      '-Dquarkus.management.host=127.0.0.1',
      `-Dquarkus.management.port=${managementPort}`,
      // Let operators and tests delete subjects, as the registry's own no-auth compose file does.
      '-Dapicurio.rest.deletion.artifact.enabled=true',
      '-Dapicurio.rest.deletion.artifact-version.enabled=true',
      '-Dapicurio.rest.deletion.group.enabled=true',
      '-jar',
      path.join(appDir, 'quarkus-run.jar'),
    ],
    { cwd: appDir, logFile: path.join(runtimeDir, 'registry.log') },
  );
}

export async function registryReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${ccompatPath}/subjects`, {
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}
