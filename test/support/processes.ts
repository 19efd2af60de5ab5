import { spawn } from 'node:child_process';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';
import { ceiling } from './patience.ts';

/** Starts a script of the repository as a process, keeping what it prints (both streams, and in order). */
export function spawnScript(script: string, args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(rootDir, script), ...args], {
    cwd: rootDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const printed = { stdout: '', stderr: '', both: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    printed.stdout += chunk.toString();
    printed.both += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    printed.stderr += chunk.toString();
    printed.both += chunk.toString();
  });
  return { child, printed };
}

/** Runs a script of the repository as a process, as an operator would, and collects what it says. */
export async function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = ceiling(60_000),
) {
  const { child, printed } = spawnScript(script, args, env);
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${script} ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${printed.stdout}${printed.stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stdout: printed.stdout, stderr: printed.stderr };
}

export const allocationsCli = (args: readonly string[], env: Record<string, string>) =>
  runScript('bin/allocations.js', args, env);

/** Starts one stage as a process of the real entry point, keeping what it prints for the test to read. */
export function startStageProcess(stage: string, env: Record<string, string>) {
  const { child, printed } = spawnScript('src/main.ts', ['--stage', stage], env);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** How many log lines carry this message. */
  const lines = (message: string) => printed.both.split(`"msg":"${message}"`).length - 1;
  return { child, exited, lines, output: () => printed.both };
}
