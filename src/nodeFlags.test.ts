import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS } from './nodeFlags.ts';

test('npm start and npm run demo run node with the flags the tests and benchmarks use', () => {
  const { scripts } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const name of ['start', 'demo']) {
    assert.equal(scripts[name].split(' --import tsx ')[0], ['node', ...NODE_FLAGS].join(' '), name);
  }
});
