import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { rootDir } from '../infra/paths.ts';

/** The entry point run as an operator would, with no settings at all. */
const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(rootDir, 'src', 'main.ts'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
  });

describe('the entry point', () => {
  it('explains itself on --help, without needing any setting', () => {
    const { status, stdout, stderr } = run('--help');
    expect(status).toBe(0);
    expect(stdout).toContain('usage: node dist/main.js [--stage connector|processor|sink|all]');
    expect(stderr).toBe('');
  });

  it('is what npm start runs, passing its options on', () => {
    const { status, stdout } = spawnSync('npm', ['start', '--silent', '--', '--help'], {
      cwd: rootDir,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(status).toBe(0);
    expect(stdout).toContain('usage: node dist/main.js [--stage connector|processor|sink|all]');
  });

  it('refuses an unknown option in one line and the usage, exit 2, with no stack trace', () => {
    const { status, stderr } = run('--bogus');
    expect(status).toBe(2);
    expect(stderr).toContain("Unknown option '--bogus'");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('names every missing setting in one line, exit 1', () => {
    const { status, stderr } = run();
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('KAFKA_BROKERS is required');
  });
});
