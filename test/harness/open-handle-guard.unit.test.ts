import { spawn } from 'node:child_process';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';

/** Runs a Node process that arms the guard after `body`; resolves to its exit code and error output. */
function runWithGuard(body: string): Promise<{ code: number | null; stderr: string }> {
  const guard = path.join(rootDir, 'test', 'support', 'open-handle-guard.ts');
  const script = `import { armOpenHandleGuard } from ${JSON.stringify(guard)};\n${body}\narmOpenHandleGuard(200);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('the open-handle guard of the test run', () => {
  it('lets a process that holds nothing open exit as it would', async () => {
    expect(await runWithGuard('')).toEqual({ code: 0, stderr: '' });
  });

  it('ends a process that something still holds open, non-zero, naming what holds it', async () => {
    const { code, stderr } = await runWithGuard(
      "import { createServer } from 'node:net';\ncreateServer().listen(0, '127.0.0.1');",
    );
    expect(code).toBe(1);
    expect(stderr).toContain('still held open by: TCPServerWrap');
  });
});
