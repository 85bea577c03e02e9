// What the engine's logic costs without storage (a diagnostic for the throughput target, not a
// product figure): the same engine and simulators, with (a) no durable write but the occupant
// locks' releases (other items wait on them; every other commit resolves on the next turn; the
// simulators keep their state in memory) and (b) the engine's real
// LMDB store but the simulators in memory. Compare with bench:throughput (everything durable).
//   npm run bench:floor -- [items=10000] [runs=3]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../src/nodeFlags.ts';
import type { KeyValueStore } from '../src/domain/index.ts';
import { createEngine } from '../src/engine/index.ts';
import { createSimulators } from '../src/sim/index.ts';
import { openStore, type EngineStore } from '../src/store/index.ts';
import { benchPurchase } from './benchPurchase.ts';

type Variant = 'no-writes' | 'engine-writes';
const VARIANTS: Variant[] = ['no-writes', 'engine-writes'];

/** A simulator store in memory, with the prefix ranges the simulators read. */
function memoryStore(): KeyValueStore {
  const values = new Map<string, unknown>();
  const byPrefix = new Map<string, Set<string>>();
  // Every prefix of a key that ends at a '/', found without a regular expression (this runs per write).
  const prefixes = (key: string) => {
    const found: string[] = [];
    for (let at = key.indexOf('/'); at !== -1; at = key.indexOf('/', at + 1)) found.push(key.slice(0, at + 1));
    return found;
  };
  return {
    get: <T>(key: string) => values.get(key) as T | undefined,
    write(entries) {
      for (const [key, value] of entries) {
        if (value === undefined) values.delete(key);
        else values.set(key, value);
        for (const prefix of prefixes(key)) {
          const keys = byPrefix.get(prefix) ?? byPrefix.set(prefix, new Set()).get(prefix)!;
          if (value === undefined) keys.delete(key);
          else keys.add(key);
        }
      }
      return Promise.resolve();
    },
    range: <T>(prefix: string) => [...(byPrefix.get(prefix) ?? [])].sort().map((key) => [key, values.get(key) as T] as [string, T]),
  };
}

/** The engine's store with every commit skipped but lock releases (other items wait on them). */
function withoutWrites(store: EngineStore): EngineStore {
  return {
    ...store,
    commit: (batch) => (batch.releasedLocks?.length ? store.commit({ releasedLocks: batch.releasedLocks }) : new Promise((resolve) => setImmediate(resolve))),
    getItemState: () => undefined,
  };
}

async function runOnce(variant: Variant, items: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  const real = openStore(dir);
  const store = variant === 'no-writes' ? withoutWrites(real) : real;
  const systems = new Map<string, KeyValueStore>();
  const sims = createSimulators({ store: { system: (name) => systems.get(name) ?? systems.set(name, memoryStore()).get(name)! } });
  const engine = createEngine({ store, connectors: sims.connectors });
  await engine.putApp({ id: 'bench', name: 'Bench', processSync: false, lookupStrategy: 'email-only' });
  await engine.start();
  const waiting = new Map<string, () => void>();
  engine.bus.on('item', (view) => {
    if (view.status === 'in_progress') return;
    waiting.get(view.itemId)?.();
    waiting.delete(view.itemId);
  });
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 2_000 }, async () => {
      while (next < items) {
        const i = next++;
        const outcome = await engine.placeOrder({ appId: 'bench', idempotencyKey: `k${i}`, purchase: benchPurchase(i) });
        if (outcome.kind !== 'accepted') throw new Error(`purchase ${i}: ${outcome.kind}`);
        await new Promise<void>((resolve) => waiting.set(outcome.items[0].itemId, resolve));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await engine.stop();
  await real.close();
  rmSync(dir, { recursive: true, force: true });
  return { variant, items, itemsPerSecond: Math.round(items / seconds), cpuMsPerItem: Math.round((cpu.user + cpu.system) / items) / 1000 };
}

const [itemsText = '10000', runsText = '3', variant] = process.argv.slice(2);
if (variant) {
  process.stdout.write(JSON.stringify(await runOnce(variant as Variant, Number(itemsText))));
  process.exit(0);
}
const rows = [];
for (const v of VARIANTS) {
  const runs = [];
  for (let run = 0; run < Number(runsText); run++) {
    const child = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', import.meta.filename, itemsText, '1', v], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`${v} run ${run + 1} failed`);
    runs.push(JSON.parse(child.stdout) as Awaited<ReturnType<typeof runOnce>>);
  }
  runs.sort((a, b) => a.itemsPerSecond - b.itemsPerSecond);
  const median = runs[Math.floor(runs.length / 2)];
  rows.push({ ...median, runs: runs.map((r) => r.itemsPerSecond).join(' / ') });
}
console.table(rows);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'floor.json'), JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
