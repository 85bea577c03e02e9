// Offers, apps, toggles and operators are read on every transition and written rarely, only
// through the engine's store: their table is kept decoded in memory, misses too.
import type { Database, Key } from 'lmdb';

/** A key of the config table: a kind and a name, such as `['offer', 'daily-digital']`. */
export type ConfigKey = [kind: string, name: string | number];

/** The config table behind a read-through cache; writes go to both. */
export interface ConfigCache {
  get<V>(key: ConfigKey): V | undefined;
  put(key: ConfigKey, value: unknown): Promise<boolean>;
  remove(key: ConfigKey): Promise<boolean>;
}

/** A cache over `db`; keys read through it must be written only through it (openStore's `meta` keys are not). */
export function createConfigCache(db: Database<unknown, Key>): ConfigCache {
  const cache = new Map<string, unknown>();
  const cacheKey = (key: ConfigKey) => `${key[0]}\u0000${key[1]}`;
  return {
    get<V>(key: ConfigKey): V | undefined {
      const name = cacheKey(key);
      if (cache.has(name)) return cache.get(name) as V | undefined;
      const value = db.get(key) as V | undefined;
      cache.set(name, value);
      return value;
    },
    put(key, value) {
      cache.set(cacheKey(key), value);
      return db.put(key, value);
    },
    remove(key) {
      cache.set(cacheKey(key), undefined);
      return db.remove(key);
    },
  };
}
