// Purchase-response latency over HTTP (SPEC §8): `npm start` in a fresh process over a fresh data
// directory, N purchases with C in flight through POST /v1/purchases (split mode: the answer comes
// after the synchronous part is flushed), each timed from send to full answer. Median of runs.
//   npm run bench:latency -- [purchases=2000] [concurrency=32] [runs=3]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../src/nodeFlags.ts';

const ROOT = join(import.meta.dirname, '..');
const TOKEN = 'bench-operator-token-0123456789';

async function startServer(dataDir: string) {
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', OPERATOR_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /Provisioning engine on (http:\/\/localhost:\d+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.on('exit', () => reject(new Error(`the server exited:\n${output}`)));
  });
  return { url, child };
}

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
  const { url, child } = await startServer(dataDir);
  const post = (path: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const { apiKey } = (await (await post('/v1/consumer-apps', TOKEN, { id: 'bench', name: 'Bench' })).json()) as { apiKey: string };
  const times: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < purchases) {
        const i = next++;
        const body = {
          customerId: `c${i}`,
          subscriber: { firstName: 'Pat', lastName: 'Lee', email: `p${i}@example.com` },
          deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
          payment: { gateway: 'payway', token: 'tok_visa' },
          items: [{ offerId: 'daily-digital' }],
        };
        const sent = performance.now();
        const response = await post('/v1/purchases', apiKey, body, { 'idempotency-key': `k${i}` });
        await response.arrayBuffer();
        times.push(performance.now() - sent);
        if (response.status !== 202) failures += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
  return { purchases, concurrency, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), answersPerSecond: Math.round(purchases / seconds), failures };
}

const [purchasesText = '2000', concurrencyText = '32', runsText = '3'] = process.argv.slice(2);
const runs: RunResult[] = [];
for (let run = 0; run < Number(runsText); run++) runs.push(await runOnce(Number(purchasesText), Number(concurrencyText)));
const median = (key: 'p50Ms' | 'p99Ms' | 'answersPerSecond') => [...runs].map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
console.table(runs);
const summary = { p50Ms: median('p50Ms'), p99Ms: median('p99Ms'), answersPerSecond: median('answersPerSecond') };
console.log(`median of ${runs.length} fresh servers: p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, ${summary.answersPerSecond} answers/s`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'purchase-latency.json'), JSON.stringify({ at: new Date().toISOString(), runs, median: summary }, null, 2));
