import { answeringEngineHost } from './engine.ts';

export type StackKind = 'containers' | 'processes';

/**
 * Which stack a test run uses: STACK=containers or STACK=processes says so; otherwise containers when a Docker
 * engine answers, and processes (Java and Maven) when none does. Synchronous: the jest configuration asks it.
 */
export function chooseStack(env: NodeJS.ProcessEnv = process.env): StackKind {
  const named = env['STACK'];
  if (named === 'containers' || named === 'processes') return named;
  if (named) throw new Error(`STACK must be containers or processes, not ${named}`);
  return answeringEngineHost(env) ? 'containers' : 'processes';
}
