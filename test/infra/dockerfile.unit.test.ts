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

  it('takes its base image as a build argument, node:24-bookworm-slim unless told otherwise', async () => {
    const dockerfile = await readFile(path.join(rootDir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:24-bookworm-slim$/m);
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(froms).toEqual(['${BASE_IMAGE}', 'build', '${BASE_IMAGE}']);
  });

  it('keeps compose’s local tools in a stage of their own, never the default target production builds', async () => {
    const dockerfile = await readFile(path.join(rootDir, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^(?=FROM )/m).filter((stage) => stage.startsWith('FROM '));
    const local = stages.find((stage) => /^FROM build AS local$/m.test(stage));
    expect(local).toMatch(/^COPY infra \.\/infra$/m);
    expect(local).toMatch(/^COPY examples \.\/examples$/m);
    // The last stage is what `docker build .` makes: the production image, without infra/ or examples/.
    expect(stages.at(-1)).not.toMatch(/infra|examples/);
  });

  it('leaves the code it runs to root and asks for health on the configured port', async () => {
    const dockerfile = await readFile(path.join(rootDir, 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toContain('--chown');
    // By number, which a runAsNonRoot policy can verify (a name it cannot).
    expect(dockerfile).not.toMatch(/^USER \D/m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(/^HEALTHCHECK .*$/m.exec(dockerfile)?.[0]).toContain('process.env.HTTP_PORT');
  });

  it('carries none of the local-run-only packages: they are devDependencies, and the image prunes those', async () => {
    const packageJson = JSON.parse(await readFile(path.join(rootDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'pino-pretty', 'node']) {
      expect(Object.keys(packageJson.dependencies)).not.toContain(name);
      expect(Object.keys(packageJson.devDependencies)).toContain(name);
    }
    const dockerfile = await readFile(path.join(rootDir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('npm prune --omit=dev');
  });
});
