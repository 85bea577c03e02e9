import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from './random.ts';

test('gives the same numbers in [0, 1) for the same seed, and others for another seed', () => {
  const draw = (seed: number) => {
    const random = createRandom(seed);
    return Array.from({ length: 1000 }, () => random());
  };
  const first = draw(42);
  assert.deepEqual(draw(42), first);
  assert.notDeepEqual(draw(43), first);
  assert.ok(first.every((n) => n >= 0 && n < 1));
  const mean = first.reduce((sum, n) => sum + n, 0) / first.length;
  assert.ok(mean > 0.4 && mean < 0.6, `mean ${mean} of a uniform draw`);
});
