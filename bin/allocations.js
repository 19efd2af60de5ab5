#!/usr/bin/env node
// The `allocations` command: the compiled tool when built (npm run build), otherwise the TypeScript source,
// which Node 24 runs as it is.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const { runCli } = await import(
  existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href
);
process.exitCode = await runCli(process.argv.slice(2));
