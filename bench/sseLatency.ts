// SSE delivery with many clients (SPEC §5, §8): `npm start` in a fresh process, K shoppers each
// with a session and an open notification stream, then P one-item purchases (split mode, C in
// flight) spread over them. For each item, from the moment its purchase is sent: the answer, and
// the `item` messages on its shopper's stream, `in_progress` (written with the commit the answer
// waits for) and `complete` (the item provisioned). Median of runs.
//   npm run bench:sse -- [clients=2000] [purchases=2000] [concurrency=16] [runs=3]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerChild } from '../test/helpers/serverChild.ts';
import { readSse, type SseReader } from '../test/helpers/sse.ts';
import { httpPurchaseBody } from './benchPurchase.ts';
import { median, round } from './stats.ts';

const TOKEN = 'bench-operator-token-0123456789';

interface RunResult {
  clients: number;
  purchases: number;
  answerP50Ms: number;
  answerP99Ms: number;
  inProgressP50Ms: number;
  inProgressP99Ms: number;
  completeP50Ms: number;
  completeP99Ms: number;
  /** Messages a stream never received within 30 s of the last answer. */
  missed: number;
}

/** Opens a shopper's notification stream and resolves once its snapshot arrived. */
async function openStream(server: ServerChild, apiKey: string, customerId: string): Promise<SseReader> {
  const session = (await (await server.request('POST', '/v1/sessions', { token: apiKey, body: { customerId } })).json()) as { sessionToken: string };
  const response = await fetch(`${server.url}/v1/notifications/stream?token=${encodeURIComponent(session.sessionToken)}`);
  if (response.status !== 200) throw new Error(`stream of ${customerId}: ${response.status}`);
  const reader = readSse(response);
  const first = await reader.next(30_000);
  if (first?.event !== 'snapshot') throw new Error(`stream of ${customerId} began with ${first?.event}`);
  return reader;
}

/** Records when each `item` message arrives, by item and status, until the stream ends. */
async function listen(reader: SseReader, arrived: Map<string, number>): Promise<void> {
  for (;;) {
    let message;
    try {
      message = await reader.next(120_000);
    } catch {
      return;
    }
    if (message === null) return;
    if (message.event === 'item') arrived.set(`${message.data.itemId} ${message.data.status}`, performance.now());
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))], 1) : NaN;
}

async function runOnce(clients: number, purchases: number, concurrency: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sse-'));
  const server = await startServer(dataDir, { OPERATOR_TOKEN: TOKEN });
  try {
    const { apiKey } = (await (await server.request('POST', '/v1/consumer-apps', { token: TOKEN, body: { id: 'bench', name: 'Bench' } })).json()) as { apiKey: string };
    const readers: SseReader[] = [];
    for (let i = 0; i < clients; i += 100) {
      readers.push(...(await Promise.all(Array.from({ length: Math.min(100, clients - i) }, (_, j) => openStream(server, apiKey, `c${i + j}`)))));
    }
    const arrived = new Map<string, number>();
    const listening = readers.map((reader) => listen(reader, arrived));
    const sent = new Map<string, number>();
    const answers: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < purchases) {
          const i = next++;
          const body = httpPurchaseBody(i, `c${i % clients}`);
          const sentAt = performance.now();
          const response = await server.request('POST', '/v1/purchases', { token: apiKey, body, headers: { 'idempotency-key': `k${i}` } });
          const answer = (await response.json()) as { items: Array<{ itemId: string }> };
          if (response.status !== 202) throw new Error(`purchase ${i}: ${response.status}`);
          answers.push(performance.now() - sentAt);
          sent.set(answer.items[0].itemId, sentAt);
        }
      }),
    );
    const expected = () => [...sent.keys()].every((itemId) => arrived.has(`${itemId} complete`));
    for (let waited = 0; !expected() && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const delays = (status: string) =>
      [...sent]
        .map(([itemId, at]) => (arrived.get(`${itemId} ${status}`) ?? NaN) - at)
        .filter((delay) => !Number.isNaN(delay))
        .sort((a, b) => a - b);
    const inProgress = delays('in_progress');
    const complete = delays('complete');
    await Promise.all(readers.map((reader) => reader.close()));
    await Promise.all(listening);
    answers.sort((a, b) => a - b);
    return {
      clients,
      purchases,
      answerP50Ms: percentile(answers, 0.5),
      answerP99Ms: percentile(answers, 0.99),
      inProgressP50Ms: percentile(inProgress, 0.5),
      inProgressP99Ms: percentile(inProgress, 0.99),
      completeP50Ms: percentile(complete, 0.5),
      completeP99Ms: percentile(complete, 0.99),
      missed: 2 * purchases - inProgress.length - complete.length,
    };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const [clientsText = '2000', purchasesText = '2000', concurrencyText = '16', runsText = '3'] = process.argv.slice(2);
const runs: RunResult[] = [];
for (let run = 0; run < Number(runsText); run++) runs.push(await runOnce(Number(clientsText), Number(purchasesText), Number(concurrencyText)));
console.table(runs);
const summary = Object.fromEntries(Object.keys(runs[0]).map((key) => [key, median(runs.map((r) => r[key as keyof RunResult]))]));
console.log(
  `median of ${runs.length} fresh servers, ${clientsText} streams open, p50 / p99 from the purchase sent: answer ${summary.answerP50Ms} / ${summary.answerP99Ms} ms; ` +
    `in_progress on the stream ${summary.inProgressP50Ms} / ${summary.inProgressP99Ms} ms; complete ${summary.completeP50Ms} / ${summary.completeP99Ms} ms; ${summary.missed} messages missed`,
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'sse-latency.json'), JSON.stringify({ at: new Date().toISOString(), concurrency: Number(concurrencyText), runs, median: summary }, null, 2));
