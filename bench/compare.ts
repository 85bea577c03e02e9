// Is this checkout faster than another revision? Runs of bench:throughput drift by ±15 % on this
// machine, more than most single changes gain, so the two sides take turns (A B B A in each
// round) and each round's ratio compares runs made moments apart. The other revision is checked
// out in a temporary git worktree that uses this checkout's node_modules.
//   npm run bench:compare -- <revision> [items=20000] [rounds=3] [inFlight=2000]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, round } from './stats.ts';

interface Run {
  itemsPerSecond: number;
  cpuMicrosPerTransition: number;
}

const ROOT = join(import.meta.dirname, '..');
const [revision, itemsText = '20000', roundsText = '3', inFlightText = '2000'] = process.argv.slice(2);
const counts = [itemsText, roundsText, inFlightText].map(Number);
if (!revision || !counts.every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: npm run bench:compare -- <revision> [items=20000] [rounds=3] [inFlight=2000] (positive integers)');
  process.exit(2);
}
const rounds = counts[1];
/** A run taking longer than this has hung. */
const RUN_TIMEOUT_MS = 30 * 60_000;

/** The node flags a checkout runs the engine with (none before src/nodeFlags.ts existed). */
async function nodeFlagsOf(dir: string): Promise<string[]> {
  const file = join(dir, 'src', 'nodeFlags.ts');
  return existsSync(file) ? [...((await import(file)) as { NODE_FLAGS: readonly string[] }).NODE_FLAGS] : [];
}

function runOnce(dir: string, flags: string[]): Run {
  const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', join(dir, 'bench', 'throughput.ts'), itemsText, '1', inFlightText, '--child'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: RUN_TIMEOUT_MS,
  });
  if (child.status !== 0) throw new Error(`a run in ${dir} failed${child.error ? `: ${child.error.message}` : ''}`);
  return JSON.parse(child.stdout) as Run;
}

const commit = execFileSync('git', ['rev-parse', '--short', revision], { cwd: ROOT, encoding: 'utf8' }).trim();
const other = mkdtempSync(join(tmpdir(), 'bench-compare-'));

/** Removes the temporary worktree, whatever state it was left in. */
function cleanUp(): void {
  try {
    execFileSync('git', ['worktree', 'remove', '--force', other], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    // not added yet, or already gone: the directory goes below and prune forgets the entry
  }
  rmSync(other, { recursive: true, force: true });
  execFileSync('git', ['worktree', 'prune'], { cwd: ROOT, stdio: 'ignore' });
}
// Ctrl-C reaches the running child too; the worktree must not outlive this script.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

try {
  execFileSync('git', ['worktree', 'add', '--detach', other, commit], { cwd: ROOT, stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(other, 'node_modules'));
  const sides = [
    { name: `this checkout`, dir: ROOT, flags: await nodeFlagsOf(ROOT), runs: [] as Run[] },
    { name: commit, dir: other, flags: await nodeFlagsOf(other), runs: [] as Run[] },
  ];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [here, there] = sides;
    for (const side of [here, there, there, here]) side.runs.push(runOnce(side.dir, side.flags));
    const mean = (runs: Run[]) => (runs[runs.length - 1].itemsPerSecond + runs[runs.length - 2].itemsPerSecond) / 2;
    ratios.push(mean(here.runs) / mean(there.runs));
    console.error(`round ${r + 1}: this checkout ${here.runs.slice(-2).map((x) => x.itemsPerSecond).join(', ')}; ${commit} ${there.runs.slice(-2).map((x) => x.itemsPerSecond).join(', ')} items/s`);
  }
  const rows = sides.map((side) => ({
    side: side.name,
    'median items/s': median(side.runs.map((x) => x.itemsPerSecond)),
    'median CPU µs per transition': median(side.runs.map((x) => x.cpuMicrosPerTransition)),
    runs: side.runs.map((x) => x.itemsPerSecond).join(' '),
  }));
  console.table(rows);
  const ratio = round(median(ratios), 3);
  console.log(`this checkout / ${commit}: ${ratio}× items/s (median of ${ratios.length} rounds: ${ratios.map((x) => round(x, 3)).join(', ')})`);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(
    join(import.meta.dirname, 'results', 'compare.json'),
    JSON.stringify({ at: new Date().toISOString(), against: commit, items: Number(itemsText), inFlight: Number(inFlightText), rows, ratios, ratio }, null, 2),
  );
} finally {
  cleanUp();
}
