import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Waiters } from './waiters.ts';

test('a waiter resolves on the first snapshot that satisfies it; release resolves the rest', async () => {
  const waiters = new Waiters<number>();
  const atThree = waiters.add('a', (n) => n >= 3);
  const any = waiters.add('a', () => false);
  waiters.notify('a', 1);
  waiters.notify('b', 5);
  waiters.notify('a', 4);
  assert.equal(await atThree, 4);
  waiters.release('a', 9);
  assert.equal(await any, 9);
});

test('stop rejects every waiter, and every waiter added after it at once', async () => {
  const waiters = new Waiters<number>();
  const error = new Error('stopped');
  const before = waiters.add('a', () => false);
  waiters.stop(error);
  await assert.rejects(before, error);
  await assert.rejects(waiters.add('a', () => true), error);
  waiters.notify('a', 1); // nothing left to tell
});
