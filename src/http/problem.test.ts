import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEMS } from './problem.ts';

test("the README's problem table and the code's problem list are the same", () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \|/gm)].map(([, code, status]) => [code, Number(status)]);
  const coded = Object.entries(PROBLEMS).map(([code, { status }]) => [code, status]);
  assert.deepEqual(documented.sort(), coded.sort());
});
