import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The message a piece of work is about (message id, CRN, topic, partition, offset), carried across every await
 * of its handling, so that each log line written meanwhile, by any component (the Delius module, the Workload
 * API client, kafkajs's retries), names it: one allocation can be followed through all three stages.
 */
const storage = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

export function withLogContext<T>(fields: Record<string, unknown>, work: () => T): T {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return storage.run({ ...storage.getStore(), ...defined }, work);
}

/** The fields of the message in hand, for the logger's mixin; none outside a message's handling. */
export function logContext(): Readonly<Record<string, unknown>> {
  return storage.getStore() ?? {};
}
