// The `embedded` jest project's setup: the Delius tests' database is the embedded PGlite of local runs
// (infra/embedded-delius.ts), reached over its socket as a PostgreSQL server.
process.env['DELIUS_TEST_BACKEND'] = 'embedded';
