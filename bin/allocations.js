#!/usr/bin/env node
// The `allocations` command. In a checkout it runs the TypeScript source, which Node 24 runs as it is; the
// production image ships only the compiled dist/.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
const { runCli } = await import(
  existsSync(source) ? source.href : new URL('../dist/cli/main.js', import.meta.url).href
);
process.exitCode = await runCli(process.argv.slice(2));
