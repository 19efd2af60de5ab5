/**
 * Reference data Delius rarely changes (datasets and their codes, contact types, transfer reasons, business
 * interactions, requirement categories, providers), kept per process for a time to live so that an allocation
 * does not read it again: 20 of a PERSON allocation's 45 statements were these reads.
 *
 * Only what was found is kept. A code missing from Delius is asked for again on every attempt, so a letter
 * dead-lettered for it applies as soon as Delius has it; an edit to a code that is there is seen within the TTL.
 */
export interface ReferenceCache {
  /** The value kept under `key`, or what `load` finds (kept when it is not null). */
  get<T extends object>(key: string, load: () => Promise<T | null>): Promise<T | null>;
}

export function referenceCache(ttlMs: number, now: () => number = Date.now): ReferenceCache {
  const entries = new Map<string, { value: object; expiresAt: number }>();
  return {
    async get<T extends object>(key: string, load: () => Promise<T | null>): Promise<T | null> {
      const entry = entries.get(key);
      if (entry && entry.expiresAt > now()) return entry.value as T;
      entries.delete(key);
      const value = await load();
      if (value !== null && ttlMs > 0) entries.set(key, { value, expiresAt: now() + ttlMs });
      return value;
    },
  };
}

/** The default time to live: an edit to reference data in Delius is used by every process within it. */
export const defaultReferenceDataTtlMs = 300_000;
