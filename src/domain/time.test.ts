import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from './time.ts';

test('isoTime writes what Date#toISOString writes, across seconds, days and odd milliseconds', () => {
  const base = Date.UTC(2026, 10, 23, 23, 59, 58, 990);
  const samples = [0, 1, 9, 10, 99, 100, 999, 1_000, 1_009, 1_010, 2_345, 86_400_000, -1, -999, -1_000, 1.5, 0.7, -0.5, 999.9];
  for (const offset of samples) {
    for (const at of [base + offset, base - offset, offset]) {
      assert.equal(isoTime(at), new Date(at).toISOString(), `at ${at}`);
    }
  }
  // Years beyond 9999 use the expanded form and are never served from the cache.
  const far = Date.UTC(12000, 0, 1, 0, 0, 0, 5);
  assert.equal(isoTime(far), new Date(far).toISOString());
  assert.equal(isoTime(far + 1), new Date(far + 1).toISOString());
});
