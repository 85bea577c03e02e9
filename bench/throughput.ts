// Throughput of fully provisioned items (SPEC §8): N one-item purchases through the product's own
// engine, store and simulators (zero latency), with every transition flushed before the next
// call. Each run is a fresh process over a fresh data directory; the table shows the median.
//   npm run bench:throughput -- [items=100000] [runs=3] [inFlight=2000]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { NODE_FLAGS } from '../src/nodeFlags.ts';
import { openProduct } from '../src/product.ts';
import { benchPurchase } from './benchPurchase.ts';
import { median, round } from './stats.ts';

interface RunResult {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  transitions: number;
  transitionsPerSecond: number;
  cpuMicrosPerTransition: number;
  /** CPU time of every thread of the process over the items. */
  cpuMicrosPerItem: number;
  heapMiB: number;
  rssMiB: number;
  complete: number;
}

async function runOnce(items: number, inFlight: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-throughput-'));
  const product = openProduct({ ...loadConfig({}), dataDir });
  const { engine } = product;
  await engine.putApp({ id: 'bench', name: 'Bench', processSync: false, lookupStrategy: 'email-only' });
  await engine.start();
  let next = 0;
  let complete = 0;
  let peakHeap = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    peakHeap = Math.max(peakHeap, memory.heapUsed);
    peakRss = Math.max(peakRss, memory.rss);
  }, 250);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const transitionsBefore = engine.transitions;
  async function lane(): Promise<void> {
    while (next < items) {
      const i = next++;
      const outcome = await engine.placeOrder({ appId: 'bench', idempotencyKey: `k${i}`, purchase: benchPurchase(i) });
      if (outcome.kind !== 'accepted') throw new Error(`purchase ${i}: ${outcome.kind}`);
      const view = await engine.settled(outcome.items[0].itemId);
      if (view?.status === 'complete') complete += 1;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  const transitions = engine.transitions - transitionsBefore;
  await product.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    items,
    seconds: round(seconds, 2),
    itemsPerSecond: Math.round(items / seconds),
    transitions,
    transitionsPerSecond: Math.round(transitions / seconds),
    cpuMicrosPerTransition: round((cpu.user + cpu.system) / transitions, 1),
    cpuMicrosPerItem: Math.round((cpu.user + cpu.system) / items),
    heapMiB: round(peakHeap / 2 ** 20, 0),
    rssMiB: round(peakRss / 2 ** 20, 0),
    complete,
  };
}

const [itemsText = '100000', runsText = '3', inFlightText = '2000', child] = process.argv.slice(2);
if (child === '--child') {
  process.stdout.write(JSON.stringify(await runOnce(Number(itemsText), Number(inFlightText))));
} else {
  const runs: RunResult[] = [];
  for (let run = 0; run < Number(runsText); run++) {
    const result = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', import.meta.filename, itemsText, '1', inFlightText, '--child'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    if (result.status !== 0) throw new Error(`run ${run + 1} failed`);
    runs.push(JSON.parse(result.stdout));
    console.error(`run ${run + 1}: ${runs[run].itemsPerSecond} items/s`);
  }
  const summary = Object.fromEntries(Object.keys(runs[0]).map((key) => [key, median(runs.map((r) => r[key as keyof RunResult]))]));
  console.table(runs);
  console.log(`median of ${runs.length} fresh processes: ${summary.itemsPerSecond} items/s, ${summary.transitionsPerSecond} transitions/s, ${summary.cpuMicrosPerTransition} µs CPU per transition, heap ${summary.heapMiB} MiB, RSS ${summary.rssMiB} MiB`);
  // What the CPU per item allows at most, however the work were spread over this machine's cores.
  const cores = availableParallelism();
  console.log(`${summary.cpuMicrosPerItem} µs CPU per item: at most ${Math.round((cores * 1e6) / summary.cpuMicrosPerItem)} items/s with all ${cores} cores busy`);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'throughput.json'), JSON.stringify({ at: new Date().toISOString(), inFlight: Number(inFlightText), runs, median: summary }, null, 2));
}
