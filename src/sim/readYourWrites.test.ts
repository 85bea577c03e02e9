import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValueStore } from '../domain/index.ts';
import { withReadYourWrites } from './readYourWrites.ts';

/** A store whose writes commit when the test says so; writes made before `nextTransaction` share one. */
function manualStore() {
  const committed = new Map<string, unknown>();
  let staged: Array<readonly [string, unknown]> = [];
  let transaction: { promise: Promise<void>; commit: () => void } | undefined;
  const store: KeyValueStore = {
    get: <T>(key: string) => committed.get(key) as T | undefined,
    write(entries) {
      staged.push(...entries);
      if (!transaction) {
        const writes = staged;
        let resolve!: () => void;
        const promise = new Promise<void>((done) => (resolve = done));
        transaction = {
          promise,
          commit: () => {
            for (const [key, value] of writes) committed.set(key, value);
            resolve();
          },
        };
      }
      return transaction.promise;
    },
    range: () => [],
  };
  return {
    store,
    /** Ends the current transaction: later writes start another. Returns how to commit it. */
    nextTransaction() {
      const current = transaction!;
      transaction = undefined;
      staged = [];
      return async () => {
        current.commit();
        await current.promise;
        await new Promise((resolve) => setImmediate(resolve));
      };
    },
  };
}

test('reads see writes before they commit; a commit clears only the keys no later write took over', async () => {
  const manual = manualStore();
  const store = withReadYourWrites(manual.store);
  // Two writes of one transaction share its promise, then a write of the next transaction.
  const first = store.write([['a', 1]]);
  const second = store.write([['b', 2]]);
  assert.equal(first, second);
  const commitFirst = manual.nextTransaction();
  void store.write([['a', 3]]);
  const commitSecond = manual.nextTransaction();
  assert.deepEqual([store.get('a'), store.get('b'), manual.store.get('a')], [3, 2, undefined]);
  await commitFirst();
  // b now comes from the store; a is still the later, uncommitted write.
  assert.deepEqual([store.get('a'), store.get('b'), manual.store.get('a')], [3, 2, 1]);
  await commitSecond();
  assert.deepEqual([store.get('a'), manual.store.get('a')], [3, 3]);
});
