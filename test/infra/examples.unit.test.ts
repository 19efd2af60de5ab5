import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { examplePairs, examplesDir, readExampleEvent, workloadApiPlaceholder } from '../../infra/examples.ts';
import { parseAllocationDetail } from '../../src/domain/allocation-detail.ts';
import { parseNotification } from '../../src/domain/domain-event.ts';
import { tokenResponseSchema } from '../../src/processors/hmpps-auth.ts';

const readJson = async (file: string): Promise<unknown> =>
  JSON.parse(await readFile(path.join(examplesDir, file), 'utf8'));

describe('the examples', () => {
  it('pair every message with the detail body the local Workload API serves at its URL', async () => {
    const { stubs } = (await readJson('workload-api-stubs.json')) as {
      stubs: { path: string; detail: string }[];
    };
    const served = new Map(stubs.map((stub) => [stub.path, stub.detail]));
    const messages = (await readdir(examplesDir)).filter((file) => file.endsWith('-message.json'));
    expect(examplePairs.map(([message]) => message).sort()).toEqual(messages.sort());
    for (const [message, detail] of examplePairs) {
      const { event } = parseNotification(JSON.stringify(await readJson(message)));
      expect(event.detailUrl?.startsWith(workloadApiPlaceholder)).toBe(true);
      const { pathname } = new URL(
        (await readExampleEvent(message, 'http://127.0.0.1:1'))['detailUrl'] as string,
      );
      expect(served.get(pathname)).toBe(detail);
    }
    for (const stub of stubs)
      expect(parseAllocationDetail(await readJson(stub.detail)).detail.staffCode).toBeTruthy();
  });

  it('show the shape of HMPPS Auth’s token answer that the Auth client reads', async () => {
    expect(tokenResponseSchema.parse(await readJson('hmpps-auth-token-response.json')).token_type).toBe(
      'bearer',
    );
  });
});
