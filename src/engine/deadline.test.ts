import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Release } from './deadline.ts';

test('a wait gives the value, or undefined at its deadline or at the release, and keeps nothing after', async () => {
  const release = new Release();
  assert.equal(await release.wait(Promise.resolve(7), 1_000), 7);
  assert.equal(await release.wait(new Promise(() => {}), 5), undefined, 'the deadline');
  await assert.rejects(release.wait(Promise.reject(new Error('no')), 1_000), /no/);
  const pending = release.wait(new Promise(() => {}), 60_000);
  assert.equal((release as unknown as { waiting: Set<unknown> }).waiting.size, 1);
  release.release();
  assert.equal(await pending, undefined, 'the release ends it at once');
  assert.equal((release as unknown as { waiting: Set<unknown> }).waiting.size, 0, 'no wait is held after it ends');
  assert.equal(await release.wait(new Promise(() => {}), 60_000), undefined, 'a wait after the release ends at once');
});
