import { UsageError } from '../../src/cli/cli-config.ts';
import { watchIntervalOf } from '../../src/cli/commands/status.ts';

describe('allocations status --watch', () => {
  it('looks once without --watch, every 5 s with it alone, and every N s when given N', () => {
    expect(watchIntervalOf([])).toEqual({ args: [], intervalMs: undefined });
    expect(watchIntervalOf(['--watch'])).toEqual({ args: [], intervalMs: 5_000 });
    expect(watchIntervalOf(['--watch', '2'])).toEqual({ args: [], intervalMs: 2_000 });
    // What follows --watch is its interval only when it is a number: anything else is left to be refused.
    expect(watchIntervalOf(['--watch', '--verbose'])).toEqual({ args: ['--verbose'], intervalMs: 5_000 });
  });

  it('refuses an interval below a second or above an hour', () => {
    expect(() => watchIntervalOf(['--watch', '0'])).toThrow(UsageError);
    expect(() => watchIntervalOf(['--watch', '7200'])).toThrow(UsageError);
  });
});
