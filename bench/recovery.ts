// Recovery after an abrupt stop with many unfinished items (SPEC §4, §8), and the memory an
// in-flight item holds. Each run uses a fresh data directory and two processes:
//   1. `--fill`: the circulation system is down, N one-item purchases are accepted, their items
//      wait to retry FINDADDRESSOCCUPANT; the heap is measured, then the process kills itself
//      with SIGKILL.
//   2. `--recover`: a new process opens the same directory, the outage ends, the engine recovers
//      (every unfinished item restored from its snapshot and journal and resumed), and every item
//      is driven to its end.
//   npm run bench:recovery -- [items=20000] [runs=3] [inFlight=500]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { NODE_FLAGS } from '../src/nodeFlags.ts';
import { openProduct, type Product } from '../src/product.ts';
import { parsePurchase } from '../src/domain/index.ts';
import { httpPurchaseBody } from './benchPurchase.ts';
import { median, round } from './stats.ts';

interface FillResult {
  items: number;
  acceptSeconds: number;
  /** Heap held per item waiting to retry, after a full GC, in KiB. */
  heapKiBPerItem: number;
}

interface RecoverResult {
  /** Opening both stores, in ms. */
  openMs: number;
  /** `engine.start()`: pending orders aborted, every unfinished item restored and resumed, in ms. */
  recoveryMs: number;
  resumedItems: number;
  /** Heap per restored item right after recovery, after a full GC, in KiB. */
  heapKiBPerItem: number;
  /** From the end of recovery until every item is at rest, in s. */
  drainSeconds: number;
  complete: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  return process.memoryUsage().heapUsed;
}

function openBench(dataDir: string): Product {
  return openProduct({ ...loadConfig({}), dataDir });
}

async function fill(dataDir: string, items: number, inFlight: number): Promise<never> {
  const product = openBench(dataDir);
  const { engine, sims } = product;
  await engine.putApp({ id: 'bench', name: 'Bench', processSync: false, lookupStrategy: 'email-only' });
  await engine.start();
  await sims.controls.setOutage(true);
  const baseline = heapAfterGc();
  const itemIds: string[] = [];
  let next = 0;
  const started = performance.now();
  async function lane(): Promise<void> {
    while (next < items) {
      const i = next++;
      // Each its own email: items sharing one would queue for the occupant lock instead of retrying.
      const outcome = await engine.placeOrder({ appId: 'bench', idempotencyKey: `k${i}`, purchase: parsePurchase(httpPurchaseBody(i)) });
      if (outcome.kind !== 'accepted') throw new Error(`purchase ${i}: ${outcome.kind}`);
      itemIds.push(outcome.items[0].itemId);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  const acceptSeconds = (performance.now() - started) / 1000;
  // Every item's first FINDADDRESSOCCUPANT call fails at once; let them reach their retry waits.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const heapKiBPerItem = round((heapAfterGc() - baseline) / items / 1024, 1);
  writeFileSync(join(dataDir, 'bench-items.json'), JSON.stringify(itemIds));
  const result: FillResult = { items, acceptSeconds: round(acceptSeconds, 2), heapKiBPerItem };
  process.stdout.write(JSON.stringify(result), () => process.kill(process.pid, 'SIGKILL'));
  return new Promise<never>(() => {});
}

async function recoverAll(dataDir: string): Promise<RecoverResult> {
  const itemIds = JSON.parse(readFileSync(join(dataDir, 'bench-items.json'), 'utf8')) as string[];
  const baseline = heapAfterGc();
  const opening = performance.now();
  const product = openBench(dataDir);
  const { engine, sims } = product;
  const openMs = performance.now() - opening;
  await sims.controls.setOutage(false);
  const recovering = performance.now();
  const report = await engine.start();
  const recoveryMs = performance.now() - recovering;
  const heapKiBPerItem = round((heapAfterGc() - baseline) / Math.max(1, report.resumedItems) / 1024, 1);
  const draining = performance.now();
  let complete = 0;
  await Promise.all(
    itemIds.map(async (itemId) => {
      if ((await engine.settled(itemId))?.status === 'complete') complete += 1;
    }),
  );
  const drainSeconds = (performance.now() - draining) / 1000;
  await product.close();
  return { openMs: Math.round(openMs), recoveryMs: Math.round(recoveryMs), resumedItems: report.resumedItems, heapKiBPerItem, drainSeconds: round(drainSeconds, 2), complete };
}

function child(args: string[]): { status: number | null; signal: NodeJS.Signals | null; stdout: string } {
  return spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', '--import', 'tsx', import.meta.filename, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
}

const [itemsText = '20000', runsText = '3', inFlightText = '500', phase, dataDirArg] = process.argv.slice(2);
if (phase === '--fill') {
  await fill(dataDirArg, Number(itemsText), Number(inFlightText));
} else if (phase === '--recover') {
  process.stdout.write(JSON.stringify(await recoverAll(dataDirArg)));
} else {
  const runs: Array<FillResult & { recovered: RecoverResult }> = [];
  for (let run = 0; run < Number(runsText); run++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-recovery-'));
    try {
      const filled = child([itemsText, '1', inFlightText, '--fill', dataDir]);
      if (filled.signal !== 'SIGKILL' || !filled.stdout) throw new Error(`run ${run + 1}: the fill process ended with ${filled.signal ?? filled.status}`);
      const recovered = child([itemsText, '1', inFlightText, '--recover', dataDir]);
      if (recovered.status !== 0) throw new Error(`run ${run + 1}: the recovering process failed`);
      runs.push({ ...(JSON.parse(filled.stdout) as FillResult), recovered: JSON.parse(recovered.stdout) as RecoverResult });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    const last = runs[runs.length - 1];
    console.error(`run ${run + 1}: recovered ${last.recovered.resumedItems} items in ${last.recovered.recoveryMs} ms, drained in ${last.recovered.drainSeconds} s`);
  }
  const rows = runs.map(({ recovered, ...filled }) => ({ ...filled, ...Object.fromEntries(Object.entries(recovered).map(([key, value]) => [`recover.${key}`, value])) }));
  console.table(rows);
  const summary = Object.fromEntries(Object.keys(rows[0]).map((key) => [key, median(rows.map((row) => row[key as keyof (typeof rows)[0]] as number))]));
  console.log(
    `median of ${runs.length} runs (${itemsText} unfinished items): recovery ${summary['recover.recoveryMs']} ms after ${summary['recover.openMs']} ms to open; ` +
      `${summary.heapKiBPerItem} KiB heap per item waiting to retry (${summary['recover.heapKiBPerItem']} KiB once recovered); drained in ${summary['recover.drainSeconds']} s`,
  );
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'recovery.json'), JSON.stringify({ at: new Date().toISOString(), inFlight: Number(inFlightText), runs, median: summary }, null, 2));
}
