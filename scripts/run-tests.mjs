// Runs every *.test.ts under src/ and test/ with node:test through tsx.
// Node 20's runner expands no globs and finds no .ts files in folders, so this script lists them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const files = ['src', 'test'].flatMap(findTests).sort();
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', ...process.argv.slice(2), ...files];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(run.status ?? 1);
