// `npm run allocations -- <command>`: the operator's tool in a checkout, pointed at the local stack (its
// endpoints in .infra/stack.env) wherever the environment does not say otherwise. The `allocations` bin reads
// the environment alone, as in production.
import { runCli } from '../src/cli/main.ts';
import { withLocalStackEnv } from './local-env.ts';

process.exitCode = await runCli(process.argv.slice(2), withLocalStackEnv(process.env));
