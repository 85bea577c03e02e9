// Where the time of the throughput benchmark goes: runs one fresh process under --cpu-prof and
// prints the main thread's CPU by package/folder and the heaviest functions of our own code.
//   npm run bench:profile -- [items=20000] [inFlight=1000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../src/nodeFlags.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const [items = '20000', inFlight = '1000'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
const run = spawnSync(
  process.execPath,
  [...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', join(import.meta.dirname, 'throughput.ts'), items, '1', inFlight, '--child'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
if (run.status !== 0) throw new Error('the profiled run failed');
console.log(`run: ${run.stdout.trim()}`);
const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
rmSync(dir, { recursive: true, force: true });

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const moduleOf = (url: string, name: string) => {
  if (url.includes('node_modules/')) {
    const parts = url.split('node_modules/')[1].split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/src/')) return `src/${url.split('/src/')[1].split('/')[0]}`;
  if (url.startsWith('node:')) return 'node internals';
  return name || 'other';
};
const frameName = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}`;

let total = 0;
const modules = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, time] of selfTime) {
  total += time;
  const node = byId.get(id)!;
  const module = moduleOf(node.callFrame.url, node.callFrame.functionName);
  modules.set(module, (modules.get(module) ?? 0) + time);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!;
    if (!frame.callFrame.url.includes('/src/')) continue;
    const name = frameName(frame);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + time);
  }
}
const row = (name: string, time: number) => ({ where: name, ms: Math.round(time / 1000), share: `${((100 * time) / total).toFixed(1)} %` });
console.log(`main thread CPU: ${Math.round(total / 1000)} ms for ${items} items`);
console.table([...modules].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([name, time]) => row(name, time)));
console.table([...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 16).map(([name, time]) => row(name, time)));
