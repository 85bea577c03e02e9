// Offers, apps, toggles and operators are read on every transition and written rarely, only
// through the engine's store: their table is small (admin-made entries) and kept decoded in
// memory whole, loaded once at open. A key that is not there is not there: a miss reads nothing
// and keeps nothing, so lookups by what clients send (a token's hash, an offer id) cannot grow it.
import type { Database, Key } from 'lmdb';

/** A key of the config table: a kind and a name, such as `['offer', 'daily-digital']`. */
export type ConfigKey = [kind: string, name: string | number];

/** The config table in memory; writes go to both. */
export interface ConfigCache {
  get<V>(key: ConfigKey): V | undefined;
  put(key: ConfigKey, value: unknown): Promise<boolean>;
  remove(key: ConfigKey): Promise<boolean>;
  /** How many entries it holds: the table's, never a miss. */
  readonly size: number;
}

/**
 * The entries of `db` but those of kind `uncached` (openStore's `meta`, written directly), in
 * memory. Every other key must be written only through it once it is built.
 */
export function createConfigCache(db: Database<unknown, Key>, uncached = 'meta'): ConfigCache {
  const cacheKey = (key: ConfigKey) => `${key[0]}\u0000${key[1]}`;
  const cache = new Map<string, unknown>();
  for (const { key, value } of db.getRange()) {
    if (Array.isArray(key) && key.length === 2 && key[0] !== uncached) cache.set(cacheKey(key as ConfigKey), value);
  }
  return {
    get: <V>(key: ConfigKey) => cache.get(cacheKey(key)) as V | undefined,
    put(key, value) {
      cache.set(cacheKey(key), value);
      return db.put(key, value);
    },
    remove(key) {
      cache.delete(cacheKey(key));
      return db.remove(key);
    },
    get size() {
      return cache.size;
    },
  };
}
