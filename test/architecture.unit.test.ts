import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootDir } from '../infra/paths.ts';

const srcDir = path.join(rootDir, 'src');

/** Every TypeScript file under `src/`, with the modules it imports. */
async function sources(): Promise<{ file: string; imports: string[] }[]> {
  const entries = await readdir(srcDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(srcDir, path.join(entry.parentPath, entry.name)));
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(srcDir, file), 'utf8');
      const imports = [...text.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)].map(
        (match) => match[1] ?? '',
      );
      return { file, imports };
    }),
  );
}

describe('the layout of src/', () => {
  it('ships the service only: nothing in src/ imports the local stack, the test schema or the tests', async () => {
    const reaching = (await sources()).flatMap(({ file, imports }) =>
      imports
        .filter((name) => name.startsWith('.'))
        .map((name) => path.relative(rootDir, path.resolve(srcDir, path.dirname(file), name)))
        .filter((target) => !target.startsWith(`src${path.sep}`))
        .map((target) => `${file} → ${target}`),
    );
    expect(reaching).toEqual([]);
  });

  it('keeps the Kafka client behind src/kafka/, so that changing client is a change of one folder', async () => {
    const outside = (await sources()).filter(
      ({ file, imports }) =>
        !file.startsWith(`kafka${path.sep}`) &&
        imports.some((name) => name === 'kafkajs' || name.startsWith('@kafkajs/')),
    );
    expect(outside.map(({ file }) => file)).toEqual([]);
  });

  it('lets the rest of the service meet Kafka through the runtime and the tool operations only, never a client', async () => {
    // The modules that make or drive kafkajs clients: outside src/kafka/ nothing may hold one.
    const clientModules = [
      'client.ts',
      'stage-runner.ts',
      'group-consumer.ts',
      'record-settler.ts',
      'lag.ts',
    ];
    const reaching = (await sources()).flatMap(({ file, imports }) =>
      file.startsWith(`kafka${path.sep}`)
        ? []
        : imports
            .filter((name) => clientModules.some((module) => name.endsWith(`kafka/${module}`)))
            .map((name) => `${file} → ${name}`),
    );
    expect(reaching).toEqual([]);
  });

  it('reads nothing of a checkout: no path into .infra/ or .cache/ in src/', async () => {
    const files = await sources();
    const reading = [];
    for (const { file } of files) {
      const text = await readFile(path.join(srcDir, file), 'utf8');
      if (/['"`/:]\.(infra|cache)\b/.test(text)) reading.push(file);
    }
    expect(reading).toEqual([]);
  });

  it('keeps the domain pure: it imports no driver, client or adapter', async () => {
    const domain = (await sources()).filter(({ file }) => file.startsWith(`domain${path.sep}`));
    expect(domain.length).toBeGreaterThan(3);
    for (const { file, imports } of domain)
      expect({ file, imports: imports.filter((name) => !name.startsWith('./') && name !== 'zod') }).toEqual({
        file,
        imports: [],
      });
  });

  it('has no upward import from src/kafka/ into the configuration or the composition root', async () => {
    const kafka = (await sources()).filter(({ file }) => file.startsWith(`kafka${path.sep}`));
    for (const { file, imports } of kafka)
      expect({ file, upward: imports.filter((name) => /^\.\.\/(config|app|topology)/.test(name)) }).toEqual({
        file,
        upward: [],
      });
  });
});
