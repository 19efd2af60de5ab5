import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootDir } from '../../infra/paths.ts';
import { productionNodeFlags } from '../../src/node-flags.ts';

// The benchmark runs the stages with the flags the image does; this keeps the two from drifting apart.
describe('the production image', () => {
  it('starts the compiled entry point with the V8 flags the benchmark measures', async () => {
    const dockerfile = await readFile(path.join(rootDir, 'Dockerfile'), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', ...productionNodeFlags, 'dist/main.js']);
  });
});
