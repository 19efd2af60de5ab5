import { createLogger } from '../../src/observability/logger.ts';
import { withLogContext } from '../../src/observability/log-context.ts';

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

describe('the log context', () => {
  it('puts the message in hand on every line written during its handling, by any component, across awaits', async () => {
    const { logger, lines } = capturedLogger();
    const delius = logger.child({ component: 'delius' });
    await withLogContext({ messageId: 'm-1', crn: 'X123456', partition: 2, offset: '41' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      delius.info('wrote the manager');
      logger.info({ outcome: 'applied' }, 'settled');
    });
    logger.info('idle');
    expect(
      lines.map(({ msg, messageId, crn, partition, offset, component }) => ({
        msg,
        messageId,
        crn,
        partition,
        offset,
        component,
      })),
    ).toEqual([
      {
        msg: 'wrote the manager',
        messageId: 'm-1',
        crn: 'X123456',
        partition: 2,
        offset: '41',
        component: 'delius',
      },
      { msg: 'settled', messageId: 'm-1', crn: 'X123456', partition: 2, offset: '41', component: undefined },
      {
        msg: 'idle',
        messageId: undefined,
        crn: undefined,
        partition: undefined,
        offset: undefined,
        component: undefined,
      },
    ]);
  });

  it('keeps two messages handled at once apart, and leaves out what a message does not have', async () => {
    const { logger, lines } = capturedLogger();
    await Promise.all(
      ['A', 'B'].map((crn) =>
        withLogContext({ crn, messageId: undefined }, async () => {
          await new Promise((resolve) => setTimeout(resolve, crn === 'A' ? 5 : 0));
          logger.info(crn);
        }),
      ),
    );
    expect(lines.map((line) => [line['msg'], line['crn'], 'messageId' in line])).toEqual([
      ['B', 'B', false],
      ['A', 'A', false],
    ]);
  });
});
