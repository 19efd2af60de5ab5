import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';

// Built from parts, so that this file does not name the folder it forbids.
const outside = ['..', 'shared'].join('/');
const forbidden = [outside, ['shared', 'spec'].join('/'), ['shared', 'notes'].join('/')];

describe('the repository', () => {
  it('stands on its own: no tracked file reads or names the reference folder beside it', async () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: rootDir, encoding: 'utf8' })
      .split('\0')
      .filter((file) => file && !file.endsWith('package-lock.json'));
    expect(tracked.length).toBeGreaterThan(50);
    const naming: string[] = [];
    for (const file of tracked) {
      const text = await readFile(path.join(rootDir, file), 'utf8').catch(() => '');
      if (forbidden.some((needle) => text.includes(needle))) naming.push(file);
    }
    expect(naming).toEqual([]);
  });
});
