// Offers, apps, toggles and operators are read on every transition and written rarely, only
// through the engine's store: their table is small (admin-made entries) and kept decoded in
// memory whole, loaded once at open. A key that is not there is not there: a miss reads nothing
// and keeps nothing, so lookups by what clients send (a token's hash, an offer id) cannot grow it.
// One opener writes the table: a second one (a worker thread over the same environment) would not
// see the other's writes, and would need this cache to read through again.
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
 * Every entry of `db` in memory, except those of kind `uncached` (openStore's `meta`, which it
 * writes directly). Once this is built, every other key must be written only through it.
 */
export function createConfigCache(db: Database<unknown, Key>, uncached = 'meta'): ConfigCache {
  const cacheKey = (key: ConfigKey) => `${key[0]}\u0000${key[1]}`;
  const cache = new Map<string, unknown>();
  for (const { key, value } of db.getRange()) {
    if (Array.isArray(key) && key.length === 2 && key[0] !== uncached) cache.set(cacheKey(key as ConfigKey), value);
  }
  /** Shows `value` (undefined: none) at once, and takes it back if the table refuses the write. */
  const write = (key: ConfigKey, value: unknown, written: () => Promise<boolean>): Promise<boolean> => {
    const name = cacheKey(key);
    const [had, before] = [cache.has(name), cache.get(name)];
    const show = (shown: unknown, present: boolean) => (present ? cache.set(name, shown) : cache.delete(name));
    const takeBack = (error: unknown): never => {
      if (cache.get(name) === value) show(before, had); // unless a later write took the key over
      throw error;
    };
    show(value, value !== undefined);
    try {
      return written().catch(takeBack); // refused in the commit
    } catch (error) {
      return takeBack(error); // refused at once (a value it cannot encode)
    }
  };
  return {
    get: <V>(key: ConfigKey) => cache.get(cacheKey(key)) as V | undefined,
    put: (key, value) => write(key, value, () => db.put(key, value)),
    remove: (key) => write(key, undefined, () => db.remove(key)),
    get size() {
      return cache.size;
    },
  };
}
