import { spawn } from 'node:child_process';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';
import { ceiling } from './patience.ts';

/** Runs a script of the repository as a process, as an operator would, and collects what it says. */
export async function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = ceiling(60_000),
) {
  const child = spawn(process.execPath, [path.join(rootDir, script), ...args], {
    cwd: rootDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${script} ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stdout}${stderr}`),
      );
    }, timeoutMs);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stdout, stderr };
}

export const allocationsCli = (args: readonly string[], env: Record<string, string>) =>
  runScript('bin/allocations.js', args, env);

/** Starts one stage as a process of the real entry point, keeping what it prints for the test to read. */
export function startStageProcess(stage: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(rootDir, 'src', 'main.ts'), '--stage', stage], {
    cwd: rootDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** How many log lines carry this message. */
  const lines = (message: string) => output.split(`"msg":"${message}"`).length - 1;
  return { child, exited, lines, output: () => output };
}
