import { existsSync } from 'node:fs';
import path from 'node:path';
import { findJava } from '../java.ts';
import { kafkaFetched } from '../kafka.ts';
import { registryFetched } from '../registry.ts';
import { answeringEngineHost } from './engine.ts';

export type StackKind = 'containers' | 'processes';

/** What the choice looks at, each asked only when it matters (and cheaply: no JVM is started for Maven). */
export interface StackProbes {
  readonly engineAnswers: () => boolean;
  /** A JDK of 21 or newer (Apicurio Registry 3.3 needs it). */
  readonly java21: () => boolean;
  /** `mvn` on the PATH, to fetch Kafka and Apicurio from Maven Central. */
  readonly maven: () => boolean;
  /** Both servers already in `.cache/`: then Maven is not needed. */
  readonly serversFetched: () => boolean;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env['PATH'] ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && existsSync(path.join(dir, command)));
}

export function machineProbes(env: NodeJS.ProcessEnv = process.env): StackProbes {
  return {
    engineAnswers: () => answeringEngineHost(env) !== undefined,
    java21: () => {
      try {
        findJava(21, 'the local stack');
        return true;
      } catch {
        return false;
      }
    },
    maven: () => onPath('mvn', env),
    serversFetched: () => kafkaFetched() && registryFetched(),
  };
}

/**
 * Which stack a run uses, `npm test` and `npm run dev` alike: STACK=containers or STACK=processes says so;
 * otherwise containers where a Docker engine answers, and processes where Java 21 and Maven are present (Maven
 * only until the servers are fetched). Where neither way can run, one message says what to install for each.
 * Synchronous: the jest configuration asks it.
 */
export function chooseStack(env: NodeJS.ProcessEnv = process.env, probes = machineProbes(env)): StackKind {
  const named = env['STACK'];
  if (named === 'containers' || named === 'processes') return named;
  if (named) throw new Error(`STACK must be containers or processes, not ${named}`);
  if (probes.engineAnswers()) return 'containers';
  const java = probes.java21();
  const maven = probes.maven() || probes.serversFetched();
  if (java && maven) return 'processes';
  const found = java ? 'found Java 21 or newer, but no mvn on the PATH' : 'found no Java 21 or newer';
  throw new Error(
    [
      'The local stack (Kafka, Apicurio Registry, SNS/SQS, PostgreSQL) cannot run here: no Docker engine answers, and ' +
        `for the local processes this machine ${found}. Either:`,
      '  - Docker: start a Docker engine (Docker Desktop, Colima, or dockerd; DOCKER_HOST if its socket is not ' +
        '/var/run/docker.sock): the stack then runs as containers; or',
      '  - Java 21 or newer and Maven 3.8 or newer on the PATH (for example `apt install openjdk-21-jdk-headless ' +
        'maven`, or `brew install openjdk@21 maven`; JAVA_HOME if Java is elsewhere): the stack then runs as local ' +
        'processes, the servers fetched once into .cache/.',
    ].join('\n'),
  );
}
