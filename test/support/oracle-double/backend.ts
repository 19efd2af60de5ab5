// The `oracle-double` jest project's setup: the Delius tests' database is the Oracle double (test/support/delius.ts).
process.env['DELIUS_TEST_BACKEND'] = 'oracle-double';
