// Purchase-response latency over HTTP (SPEC §8): `npm start` in a fresh process over a fresh data
// directory, N purchases with C in flight through POST /v1/purchases (split mode: the answer comes
// after the synchronous part is flushed), each timed from send to full answer. Median of runs.
//   npm run bench:latency -- [purchases=2000] [concurrency=32] [runs=3]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/helpers/serverChild.ts';
import { httpPurchaseBody } from './benchPurchase.ts';
import { median } from './stats.ts';

const TOKEN = 'bench-operator-token-0123456789';

interface RunResult {
  purchases: number;
  concurrency: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  answersPerSecond: number;
  failures: number;
}

async function runOnce(purchases: number, concurrency: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-latency-'));
  const server = await startServer(dataDir, { OPERATOR_TOKEN: TOKEN });
  const { apiKey } = (await (await server.request('POST', '/v1/consumer-apps', { token: TOKEN, body: { id: 'bench', name: 'Bench' } })).json()) as { apiKey: string };
  const times: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < purchases) {
        const i = next++;
        const body = httpPurchaseBody(i);
        const sent = performance.now();
        const response = await server.request('POST', '/v1/purchases', { token: apiKey, body, headers: { 'idempotency-key': `k${i}` } });
        await response.arrayBuffer();
        times.push(performance.now() - sent);
        if (response.status !== 202) failures += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
  return { purchases, concurrency, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), answersPerSecond: Math.round(purchases / seconds), failures };
}

const [purchasesText = '2000', concurrencyText = '32', runsText = '3'] = process.argv.slice(2);
const runs: RunResult[] = [];
for (let run = 0; run < Number(runsText); run++) runs.push(await runOnce(Number(purchasesText), Number(concurrencyText)));
const medianOf = (key: 'p50Ms' | 'p99Ms' | 'answersPerSecond') => median(runs.map((r) => r[key]));
console.table(runs);
const summary = { p50Ms: medianOf('p50Ms'), p99Ms: medianOf('p99Ms'), answersPerSecond: medianOf('answersPerSecond') };
console.log(`median of ${runs.length} fresh servers: p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, ${summary.answersPerSecond} answers/s`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'purchase-latency.json'), JSON.stringify({ at: new Date().toISOString(), runs, median: summary }, null, 2));
