import type { AppliedChanges, IapsFlag } from '../domain/outcome.ts';

/** What a kind module returns when its transaction may commit; ignorable and fatal ends are thrown. */
export type KindResult =
  | { readonly status: 'applied'; readonly personId: number; readonly changes: AppliedChanges }
  | { readonly status: 'duplicate'; readonly personId: number; readonly iaps: readonly IapsFlag[] };
