// Run as a process of its own by test/db/sequelize.test.ts: thick mode is chosen once per process and for good,
// so the test that asks for it must not do so in the test runner's. Prints `thin: <bool>` or the start-up error.
import { createSequelize } from '../../src/db/sequelize.ts';
import { createLogger } from '../../src/observability/logger.ts';

try {
  const sequelize = createSequelize(
    {
      url: 'oracle://delius:secret@127.0.0.1:1/DNDA',
      oracleClient: { mode: 'thick', libDir: process.env['PROBE_LIB_DIR'] },
    },
    createLogger({ level: 'silent' }),
  );
  const lib = (sequelize.connectionManager as unknown as { lib: { thin: boolean } }).lib;
  console.log(`thin: ${lib.thin}`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 3;
}
