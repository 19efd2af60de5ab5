import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Maven 3.8's super-POM pins an old dependency plugin; name a current one explicitly. */
const dependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export async function mvn(args: string[], cwd: string, command = 'mvn'): Promise<void> {
  try {
    await run(command, ['-B', '-q', ...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        `${command} is not on the PATH: the local stack as processes fetches Kafka and Apicurio Registry from ` +
          'Maven Central with it, once. Install Maven 3.8 or newer (for example `apt install maven`), or run the ' +
          'stack as containers: start a Docker engine, or set STACK=containers.',
        { cause: error },
      );
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`mvn ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

export function copyDependencies(
  pom: string,
  outputDirectory: string,
  cwd: string,
  properties: Record<string, string> = {},
): Promise<void> {
  return mvn(
    [
      '-f',
      pom,
      ...Object.entries(properties).map(([name, value]) => `-D${name}=${value}`),
      `${dependencyPlugin}:copy-dependencies`,
      `-DoutputDirectory=${outputDirectory}`,
      '-DincludeScope=runtime',
    ],
    cwd,
  );
}

export function copyArtifact(artifact: string, outputDirectory: string, cwd: string): Promise<void> {
  return mvn(
    [`${dependencyPlugin}:copy`, `-Dartifact=${artifact}`, `-DoutputDirectory=${outputDirectory}`],
    cwd,
  );
}
