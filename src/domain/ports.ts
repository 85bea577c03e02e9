// Ports the domain defines and src/store implements, so the simulators stay free of lmdb.

/**
 * A durable key-value store of one simulated third party: its own state and ledger survive a
 * restart of the engine, like a real third party's would.
 */
export interface KeyValueStore {
  /** The value under `key`, read synchronously, or undefined. */
  get<T>(key: string): T | undefined;
  /** Writes every entry in one transaction; resolves once it is flushed to disk (undefined deletes). */
  write(entries: ReadonlyArray<readonly [key: string, value: unknown]>): Promise<void>;
  /** Every entry whose key starts with `prefix`, in key order. */
  range<T>(prefix: string): Array<[key: string, value: T]>;
}
