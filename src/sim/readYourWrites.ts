// Read-your-writes over a third party's store (SPEC §7): a simulator decides synchronously from what
// it reads, and two calls in flight must not both take the same account number or both miss a
// ledger entry the other has written but not yet committed.
import type { KeyValueStore } from '../domain/index.ts';

/**
 * Wraps a store so that `get` sees writes issued but not yet committed; `range` reads committed
 * entries only, which is all a caller can have heard of, since every answer waits for its write
 * to be flushed.
 */
export function withReadYourWrites(store: KeyValueStore): KeyValueStore {
  // Each pending value is boxed, so a commit clears only the keys no later write has taken over.
  const pending = new Map<string, { value: unknown }>();
  // The writes waiting on one commit (the store answers every write of a transaction with one
  // promise): their boxes are settled together.
  let group: { committed: Promise<void>; boxes: Array<readonly [string, { value: unknown }]> } | undefined;

  return {
    get<T>(key: string): T | undefined {
      const box = pending.get(key);
      return box ? (box.value as T | undefined) : store.get<T>(key);
    },
    write(entries) {
      const committed = store.write(entries);
      if (group?.committed !== committed) {
        const boxes: Array<readonly [string, { value: unknown }]> = [];
        group = { committed, boxes };
        const done = () => settle(pending, boxes);
        committed.then(done, done);
      }
      for (const [key, value] of entries) {
        const box = { value };
        pending.set(key, box);
        group.boxes.push([key, box]);
      }
      return committed;
    },
    range: <T>(prefix: string) => store.range<T>(prefix),
  };
}

/** Forgets the pending values of a committed write that no later write has taken over. */
function settle(pending: Map<string, { value: unknown }>, boxes: ReadonlyArray<readonly [string, { value: unknown }]>): void {
  for (const [key, box] of boxes) if (pending.get(key) === box) pending.delete(key);
}
