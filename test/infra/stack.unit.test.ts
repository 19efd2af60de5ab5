import { stackPostgres } from '../../infra/stack.ts';

describe('the tests’ PostgreSQL in the process stack', () => {
  const missing = () => Promise.reject(new Error('PostgreSQL is not answering on 127.0.0.1:5432'));

  it('is required by the tests: its absence stops the stack with the reason', async () => {
    await expect(stackPostgres('required', () => undefined, missing)).rejects.toThrow('not answering');
  });

  it('may be absent for npm run dev, which says so in one line and goes on', async () => {
    const said: string[] = [];
    await expect(stackPostgres('ifPresent', (line) => said.push(line), missing)).resolves.toBeUndefined();
    expect(said).toEqual([
      'no PostgreSQL here (PostgreSQL is not answering on 127.0.0.1:5432): only the tests need it',
    ]);
  });

  it('is used where it answers, whichever the mode, saying whether the stack started it', async () => {
    await expect(
      stackPostgres(
        'ifPresent',
        () => undefined,
        () => Promise.resolve(false),
      ),
    ).resolves.toBe(false);
    await expect(
      stackPostgres(
        'required',
        () => undefined,
        () => Promise.resolve(true),
      ),
    ).resolves.toBe(true);
  });
});
