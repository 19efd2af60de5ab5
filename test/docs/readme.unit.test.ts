import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';
import { configSchema } from '../../src/config/config.ts';

describe('the README', () => {
  it('documents every configuration variable, and no other', async () => {
    const readme = await readFile(path.join(rootDir, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Configuration'), readme.indexOf('## Operations'));
    const documented = [...section.matchAll(/^\| `([A-Z0-9_]+)` +\|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it('gives the two command lines a newcomer needs', async () => {
    const readme = await readFile(path.join(rootDir, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npm run dev -- --send-examples');
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    const scripts = (
      JSON.parse(await readFile(path.join(rootDir, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const script of [
      'dev',
      'test',
      'infra:up',
      'infra:down',
      'infra:status',
      'allocations',
      'bench',
      'bench:latency',
      'typecheck',
      'lint',
    ]) {
      expect(scripts[script]).toBeDefined();
      expect(readme).toContain(`npm run ${script}`.replace('npm run test', 'npm test'));
    }
  });
});
