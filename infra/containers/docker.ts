import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Docker engine to talk to, as a DOCKER_HOST value (`unix:///…/docker.sock`). */
export type DockerHost = string;

/** Runs the docker client against an engine and returns what it printed; a failure says what docker said. */
export async function docker(
  host: DockerHost,
  args: readonly string[],
  { timeoutMs = 120_000 }: { timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await run('docker', args, {
      env: { ...process.env, DOCKER_HOST: host },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`docker ${args.join(' ')} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

/**
 * `docker build` with the Dockerfile on stdin and the context a folder, on the host network (the only network
 * an engine without a bridge has). Its output goes to `log`, a line at a time, since a build takes minutes.
 */
export function dockerBuild(
  host: DockerHost,
  {
    tag,
    dockerfile,
    context,
    buildArgs = {},
  }: {
    tag: string;
    dockerfile: string;
    context: string;
    buildArgs?: Record<string, string>;
  },
  log: (line: string) => void,
): Promise<void> {
  const args = ['build', '--network', 'host', '-t', tag, '-f', '-'];
  for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
  args.push(context);
  return new Promise((resolve, reject) => {
    // The legacy builder: Debian's engine has no BuildKit client here, and these recipes need none.
    const child = spawn('docker', args, {
      env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = `${tail}${text}`.slice(-4_000);
      for (const line of text.split('\n')) if (line.trim()) log(line.trimEnd());
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker build of ${tag} failed (exit ${code}):\n${tail}`)),
    );
    child.stdin.end(dockerfile);
  });
}
