import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface Java {
  readonly bin: string;
  readonly major: number;
}

function majorOf(bin: string): number | undefined {
  // `java -version` writes its banner to stderr.
  const result = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  return result.error ? undefined : parseMajor(`${result.stderr}${result.stdout}`);
}

function parseMajor(text: string): number | undefined {
  const version = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!version?.[1]) return undefined;
  const first = Number(version[1]);
  return first === 1 && version[2] ? Number(version[2]) : first;
}

function candidates(): string[] {
  const found: string[] = [];
  const javaHome = process.env['JAVA_HOME'];
  if (javaHome) found.push(path.join(javaHome, 'bin', 'java'));
  found.push('java');
  const jvmDir = '/usr/lib/jvm';
  if (existsSync(jvmDir)) {
    for (const entry of readdirSync(jvmDir)) found.push(path.join(jvmDir, entry, 'bin', 'java'));
  }
  return found;
}

let discovered: Java[] | undefined;

/**
 * The JDK to run a server with: the lowest installed major version at or above `minMajor`
 * (JAVA_HOME, then `java` on the PATH, then /usr/lib/jvm/*), so that each server runs on the
 * oldest Java it supports. Kafka 4 needs 17; Apicurio Registry 3.3 is compiled for 21.
 */
export function findJava(minMajor: number, forWhat: string): Java {
  discovered ??= candidates()
    .filter((bin) => bin === 'java' || existsSync(bin))
    .flatMap((bin) => {
      const major = majorOf(bin);
      return major === undefined ? [] : [{ bin, major }];
    });
  const suitable = discovered.filter((java) => java.major >= minMajor).sort((a, b) => a.major - b.major);
  const chosen = suitable[0];
  if (!chosen) {
    const seen = discovered.map((java) => `${java.bin} (${java.major})`).join(', ') || 'none';
    throw new Error(
      `${forWhat} needs Java ${minMajor} or newer; found: ${seen}. Install one or set JAVA_HOME.`,
    );
  }
  return chosen;
}
