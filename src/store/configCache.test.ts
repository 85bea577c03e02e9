import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Key } from 'lmdb';
import { createConfigCache } from './configCache.ts';

function tempTable(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'config-cache-test-'));
  const root = open({ path: dir, compression: false });
  const db = root.openDB<unknown, Key>({ name: 'config' });
  t.after(async () => {
    await root.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

test('holds what the table held when it was built, but the uncached kind', async (t) => {
  const db = tempTable(t);
  await db.put(['offer', 'daily'], { price: 999 });
  await db.put(['event-type', 3], { viewInEventViewer: false });
  await db.put(['meta', 'seq'], 41);
  const cache = createConfigCache(db);
  assert.deepEqual(cache.get(['offer', 'daily']), { price: 999 });
  assert.deepEqual(cache.get(['event-type', 3]), { viewInEventViewer: false });
  assert.equal(cache.get(['meta', 'seq']), undefined);
  assert.equal(cache.size, 2);
});

test('keeps nothing for keys that are not there, however many are asked for (soak finding: every token hash stayed)', async (t) => {
  const cache = createConfigCache(tempTable(t));
  await cache.put(['app-key', 'hash-of-a-real-key'], 'shop');
  for (let i = 0; i < 1_000; i++) {
    assert.equal(cache.get(['app-key', `hash-of-token-${i}`]), undefined);
    assert.equal(cache.get(['offer', `no-such-offer-${i}`]), undefined);
  }
  assert.equal(cache.size, 1);
  assert.equal(cache.get(['app-key', 'hash-of-a-real-key']), 'shop');
});

test('writes and removals reach the table and the cache alike', async (t) => {
  const db = tempTable(t);
  const cache = createConfigCache(db);
  await cache.put(['operator', 'alice'], { role: 'csr' });
  assert.deepEqual(cache.get(['operator', 'alice']), { role: 'csr' });
  assert.deepEqual(db.get(['operator', 'alice']), { role: 'csr' });
  await cache.remove(['operator', 'alice']);
  assert.equal(cache.get(['operator', 'alice']), undefined);
  assert.equal(db.get(['operator', 'alice']), undefined);
  assert.equal(cache.size, 0);
  // A new cache over the same table sees what the last one wrote.
  await cache.put(['app', 'shop'], { id: 'shop' });
  assert.deepEqual(createConfigCache(db).get(['app', 'shop']), { id: 'shop' });
});

test('a write the table refuses leaves the cache as the table is', async (t) => {
  const db = tempTable(t);
  const cache = createConfigCache(db);
  await cache.put(['offer', 'daily'], { price: 999 });
  const unencodable = { price: 10n ** 40n }; // msgpack has no integer this large
  await assert.rejects(async () => cache.put(['offer', 'daily'], unencodable));
  await assert.rejects(async () => cache.put(['offer', 'weekly'], unencodable));
  assert.deepEqual(cache.get(['offer', 'daily']), { price: 999 });
  assert.deepEqual(db.get(['offer', 'daily']), { price: 999 });
  assert.equal(cache.get(['offer', 'weekly']), undefined);
  assert.equal(cache.size, 1);
});

test('a write the commit refuses is taken back, unless a later write took the key over', async () => {
  // A table whose commits the test settles, as lmdb settles them after the transaction.
  const commits: Array<{ resolve: (ok: boolean) => void; reject: (error: Error) => void }> = [];
  const table = {
    getRange: () => [{ key: ['offer', 'daily'], value: 'first' }],
    put: () => new Promise<boolean>((resolve, reject) => commits.push({ resolve, reject })),
    remove: () => new Promise<boolean>((resolve, reject) => commits.push({ resolve, reject })),
  };
  const cache = createConfigCache(table as unknown as Parameters<typeof createConfigCache>[0]);
  const refused = cache.put(['offer', 'daily'], 'second');
  assert.equal(cache.get(['offer', 'daily']), 'second', 'shown at once');
  commits[0].reject(new Error('disk full'));
  await assert.rejects(refused, /disk full/);
  assert.equal(cache.get(['offer', 'daily']), 'first', 'the refused write is taken back');

  const a = cache.put(['offer', 'daily'], 'A');
  const b = cache.put(['offer', 'daily'], 'B');
  commits[1].reject(new Error('refused'));
  await assert.rejects(a, /refused/);
  assert.equal(cache.get(['offer', 'daily']), 'B', 'a later write stands');
  commits[2].resolve(true);
  assert.equal(await b, true);
});
