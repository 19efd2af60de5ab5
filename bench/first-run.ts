// What a newcomer meets on a fresh clone, measured and printed: the README's first command line,
// `npm install && npm run dev -- --send-examples`, in a clone of this checkout's HEAD, step by step, against the
// targets (npm install under 60 s; to the summary under 30 s when the servers are cached), then Ctrl-C.
//
//   npm run bench:first-run [-- --stack processes|containers] [-- --cold-servers] [-- --cold-npm] [-- --keep]
//
// By default the clone uses this checkout's server cache (.cache/: Kafka and Apicurio already fetched) and npm's
// own cache, as a second clone on the same machine would; --cold-servers and --cold-npm start each from nothing.
// The clone starts its own stack, so none may be running here (`npm run infra:down` first); it stops it after.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, rootDir } from '../infra/paths.ts';

const { values } = parseArgs({
  options: {
    stack: { type: 'string' },
    'cold-servers': { type: 'boolean', default: false },
    'cold-npm': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
if (await portAnswers(9092)) {
  console.error('a Kafka answers on 127.0.0.1:9092: stop the running stack (`npm run infra:down`) first');
  process.exit(1);
}

const seconds = (since: number) => (performance.now() - since) / 1000;
// A short path: the containers stack's own Docker engine keeps containerd's sockets under the clone's .infra/,
// and a Unix socket's path may not pass 107 characters.
const work = await mkdtemp(path.join(tmpdir(), 'fr-'));
const clone = path.join(work, 'repo');
const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
  cwd: rootDir,
  encoding: 'utf8',
}).stdout.trim();
spawnSync('git', ['clone', '--quiet', rootDir, clone], { stdio: 'inherit' });
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...(values.stack ? { STACK: values.stack } : {}),
  ...(values['cold-servers'] ? {} : { INFRA_CACHE_DIR: cacheDir }),
  ...(values['cold-npm'] ? { npm_config_cache: path.join(work, 'npm-cache') } : {}),
};
for (const name of ['INFRA_RUNTIME_DIR', 'npm_config_prefix', 'INIT_CWD']) delete env[name];
const conditions = [
  values.stack ? `STACK=${values.stack}` : 'the stack npm run dev chooses',
  values['cold-servers'] ? 'servers fetched from nothing' : 'servers cached',
  values['cold-npm'] ? "npm's cache empty" : "npm's cache as it is",
].join('; ');
console.log(`first run of ${head} in ${clone} (${conditions})`);

const figures: [string, string][] = [];
try {
  let since = performance.now();
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: clone,
    env,
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.stdout}${install.stderr}`);
  const installSeconds = seconds(since);
  figures.push(['npm install', `${installSeconds.toFixed(1)} s (target under 60 s)`]);

  since = performance.now();
  // Its own process group, so that Ctrl-C reaches npm and the node under it, as a terminal's would.
  const dev = spawn('npm', ['run', 'dev', '--', '--send-examples'], { cwd: clone, env, detached: true });
  let printed = '';
  const summary = await new Promise<{ line: string; at: number }>((resolve, reject) => {
    dev.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      process.stdout.write(`  | ${chunk.toString().trimEnd().replaceAll('\n', '\n  | ')}\n`);
      const line = /▶ summary: .*/.exec(printed)?.[0];
      if (line) resolve({ line, at: seconds(since) });
    });
    dev.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    dev.on('exit', (code) =>
      reject(new Error(`npm run dev exited with ${code} before its summary:\n${printed}`)),
    );
  });
  figures.push([
    'npm run dev -- --send-examples',
    `${summary.at.toFixed(1)} s to its summary (target under 30 s with the servers cached)`,
  ]);
  figures.push(['', summary.line]);
  const stopping = performance.now();
  const exited = new Promise<string>((resolve) =>
    dev.on('exit', (code, signal) => resolve(code === null ? `ended by ${signal}` : `exit ${code}`)),
  );
  if (dev.pid) process.kill(-dev.pid, 'SIGINT');
  const ended = await exited;
  figures.push(['Ctrl-C', `${seconds(stopping).toFixed(1)} s to stopped (npm ${ended})`]);
  figures.push(['both command lines', `${(installSeconds + summary.at).toFixed(1)} s`]);
} finally {
  spawnSync('npm', ['run', '--silent', 'infra:down'], { cwd: clone, env, stdio: 'ignore' });
  if (!values.keep) await rm(work, { recursive: true, force: true });
}
console.log(`\nfirst run of ${head} (${conditions})`);
for (const [step, figure] of figures) console.log(`  ${step.padEnd(32)} ${figure}`);
