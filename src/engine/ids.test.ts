import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTime, encodeTime } from 'ulid';
import { ulidFactory } from './ids.ts';

test('makes valid ULIDs whose time part is the given time', () => {
  const next = ulidFactory();
  const at = Date.UTC(2026, 10, 22, 12);
  const id = next(at);
  assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.equal(decodeTime(id), at);
  assert.equal(id.slice(0, 10), encodeTime(at, 10));
});

test('ids sort in the order they were made, within one millisecond and across', () => {
  const next = ulidFactory();
  const ids = [next(1000), next(1000), next(1000), next(1001), next(1001), next(5000)];
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});
