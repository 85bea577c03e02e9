// Would shards use this machine better? (a diagnostic for the throughput target, not a product
// figure). Runs bench:throughput's child as one process with N items, then as P processes at once
// with N/P items each, every one over its own data directory, taking turns; the P processes' items/s
// add up. Separate processes with separate stores share nothing, so they bound from above what P
// worker threads over one store could gain.
//   npm run bench:shards -- [items=20000] [runs=3] [processes=2] [inFlight=1000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from './child.ts';
import { median } from './stats.ts';

/** One bench:throughput child with `items` items; resolves to its items/s. */
async function throughputChild(items: number, inFlight: number): Promise<number> {
  const result = await runChild<{ itemsPerSecond: number }>(join(import.meta.dirname, 'throughput.ts'), [String(items), '1', String(inFlight), '--child']);
  return result.itemsPerSecond;
}

const [itemsText = '20000', runsText = '3', processesText = '2', inFlightText = '1000'] = process.argv.slice(2);
const [items, processes, inFlight] = [Number(itemsText), Number(processesText), Number(inFlightText)];
const one: number[] = [];
const many: number[] = [];
for (let run = 0; run < Number(runsText); run++) {
  one.push(await throughputChild(items, inFlight));
  const shares = await Promise.all(Array.from({ length: processes }, () => throughputChild(Math.round(items / processes), Math.round(inFlight / processes))));
  many.push(shares.reduce((sum, value) => sum + value, 0));
  console.error(`run ${run + 1}: one process ${one[run]} items/s, ${processes} processes ${many[run]} items/s (${shares.join(' + ')})`);
}
const rows = [
  { processes: 1, itemsPerSecond: median(one), runs: one.join(' / ') },
  { processes, itemsPerSecond: median(many), runs: many.join(' / ') },
];
console.table(rows);
console.log(`${processes} processes against one: ${(median(many) / median(one)).toFixed(2)}×`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'shards.json'), JSON.stringify({ at: new Date().toISOString(), items, inFlight, rows }, null, 2));
