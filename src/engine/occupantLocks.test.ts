import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../../test/helpers/tempDir.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { OccupantLocks } from './occupantLocks.ts';

function setUp(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'locks-test-'));
  const store = openStore(dir);
  const locks = new OccupantLocks(store, 10);
  t.after(async () => {
    locks.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, locks };
}

test('queues a second item of this process and wakes it when the first releases', async (t) => {
  const { store, locks } = setUp(t);
  assert.equal(await locks.acquire('occupant:x', 'A', () => assert.fail('A never waits')), true);
  let woken = false;
  assert.equal(await locks.acquire('occupant:x', 'B', () => (woken = true)), false);
  locks.release('occupant:x', 'A');
  await store.commit({ releasedLocks: ['occupant:x'] });
  locks.wakeNext('occupant:x');
  assert.equal(woken, true);
  assert.equal(await locks.acquire('occupant:x', 'B', () => assert.fail('B holds it now')), true);
});

test('issue-review-1: after a restart the store’s holder gets its lock back even if another item asked first', async (t) => {
  const { store, locks } = setUp(t);
  // Before the crash, A held the lock; B waited. After the restart B happens to ask first.
  assert.equal(await store.acquireLock('occupant:x', 'A'), true);
  const wakes: string[] = [];
  const b = locks.acquire('occupant:x', 'B', () => wakes.push('B'));
  const a = locks.acquire('occupant:x', 'A', () => wakes.push('A'));
  assert.equal(await a, false, 'A queued behind B’s claim in this process');
  assert.equal(await b, false, 'the store names A');
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(wakes.includes('A'), 'A is woken to ask again');
  assert.equal(await locks.acquire('occupant:x', 'A', () => assert.fail('A holds it')), true);
});

test('a lock another holder has in the store is asked again by the item that found it taken, and taken once released', async (t) => {
  const dir = tempDir(t, 'probe-l7-');
  const store = openStore(dir);
  const locks = new OccupantLocks(store, 10);
  t.after(async () => { locks.stop(); await store.close(); });
  assert.equal(await store.acquireLock('occupant:x', 'A'), true);
  let woken = 0;
  assert.equal(await locks.acquire('occupant:x', 'B', () => (woken += 1)), false);
  await store.commit({ releasedLocks: ['occupant:x'] });
  await sleep(50);
  assert.ok(woken > 0, 'B asks again');
  assert.equal(await locks.acquire('occupant:x', 'B', () => undefined), true);
});
