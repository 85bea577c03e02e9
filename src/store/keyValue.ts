// The simulated third parties' own storage (SPEC §7) on LMDB: one environment, one named database
// per third party, so each keeps its state and ledger across a restart as a real one would.
import { mkdirSync } from 'node:fs';
import { open, type Database } from 'lmdb';
import type { KeyValueStore } from '../domain/index.ts';

/** The third parties' environment: a KeyValueStore per system, and a way to close them all. */
export interface ThirdPartyStore {
  /** The store of one system (`payway`, `circulation`…), opened on first use. */
  system(name: string): KeyValueStore;
  /** Closes the environment once pending writes are committed. */
  close(): Promise<void>;
}

/** Opens (creating when new) the third parties' environment in the directory `dir`. */
export function openThirdPartyStore(dir: string): ThirdPartyStore {
  mkdirSync(dir, { recursive: true });
  const env = open({ path: dir, maxDbs: 16, compression: false });
  const systems = new Map<string, KeyValueStore>();
  // Every unconditional write of one event-turn transaction returns the same promise, and the
  // next transaction a new one, so the writes of one turn share one wait for its flush.
  // `flushed`, read at the transaction's first write, waits for that transaction (or a later one).
  // This holds only for writes outside `transaction()` and `batch()`, which answer with shared
  // constants: never wrap these writes in them.
  let transaction: Promise<boolean> | undefined;
  let durable: Promise<void> | undefined;
  const flushedAfter = (written: Promise<boolean>): Promise<void> => {
    if (written !== transaction || !durable) {
      transaction = written;
      durable = Promise.all([written, env.flushed]).then(() => undefined);
    }
    return durable;
  };

  function system(name: string): KeyValueStore {
    let store = systems.get(name);
    if (!store) {
      // Plain msgpack: shared record structures cost more than they save for records this varied.
      const options = { name, useRecords: false, compression: false };
      store = keyValueStore(env.openDB<unknown, string>(options), flushedAfter);
      systems.set(name, store);
    }
    return store;
  }

  return { system, close: () => env.close() };
}

function keyValueStore(db: Database<unknown, string>, flushedAfter: (written: Promise<boolean>) => Promise<void>): KeyValueStore {
  return {
    get: <T>(key: string) => db.get(key) as T | undefined,
    write(entries) {
      // lmdb-js commits every write issued in one event turn in one transaction, and each write's
      // promise resolves when that transaction commits: issuing them all now keeps them atomic.
      let last: Promise<boolean> = Promise.resolve(true);
      for (const [key, value] of entries) last = value === undefined ? db.remove(key) : db.put(key, value);
      // A commit is visible before it is on disk; the effect is acknowledged only once flushed,
      // as a real third party's would be, so an OS crash cannot take back what a caller heard of.
      return flushedAfter(last);
    },
    range<T>(prefix: string) {
      const found: Array<[string, T]> = [];
      for (const { key, value } of db.getRange({ start: prefix, end: prefix + '\uffff' })) found.push([key, value as T]);
      return found;
    },
  };
}
