// The server killed with SIGKILL under purchase load (SPEC §4, §9): a new process on the same data
// directory finishes every purchase that was answered 2xx, and the ledgers, read over HTTP, show
// each effect once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/serverChild.ts';
import { purchaseBody } from '../helpers/world.ts';
import { tempDir } from '../helpers/tempDir.ts';

const ADMIN = 'crash-operator-token-0123456789';
/** The effects of a complete item whose email was new (API.md's ledger table). */
const EFFECTS = ['add-address', 'add-subscription', 'authorize', 'capture', 'create-occupant', 'link-owner', 'record-payment', 'send', 'subscribe', 'update-transaction'];

test('killed under purchase load: every purchase answered 2xx completes after a restart, each effect once', async (t) => {
  const dir = tempDir(t, 'server-crash-');
  const env = { OPERATOR_TOKEN: ADMIN, SIM_LATENCY_MS: '4' };
  const first = await startServer(dir, env);
  const key = ((await (await first.request('POST', '/v1/consumer-apps', { token: ADMIN, body: { id: 'load', name: 'Load' } })).json()) as { apiKey: string }).apiKey;

  const answered: Array<{ orderId: string; itemIds: string[] }> = [];
  const purchases = Array.from({ length: 40 }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * 3));
    const body = purchaseBody({ customerId: `c${i}`, subscriber: { firstName: 'Pat', lastName: 'Lee', email: `p${i}@example.com` } });
    try {
      const response = await first.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': `load-${i}` } });
      if (response.status >= 200 && response.status < 300) {
        const answer = (await response.json()) as { orderId: string; items: Array<{ itemId: string }> };
        answered.push({ orderId: answer.orderId, itemIds: answer.items.map((item) => item.itemId) });
        // Killed once a few purchases are answered, while the rest are in flight.
        if (answered.length === 8) first.child.kill('SIGKILL');
      }
    } catch {
      // The connection died with the process: an unanswered purchase promises nothing.
    }
  });
  await Promise.all(purchases);
  assert.equal(await first.exited, 'SIGKILL');
  assert.ok(answered.length >= 8, `${answered.length} purchases were answered before the kill`);

  const second = await startServer(dir, { ...env, LOG_LEVEL: 'info' });
  t.after(async () => {
    second.child.kill('SIGKILL');
    await second.exited;
  });
  // pino writes asynchronously: its "recovery done" line may come after the banner.
  const recoveryLine = () => second.output().split('\n').find((line) => line.includes('recovery done'));
  for (let waited = 0; !recoveryLine() && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  const recovery = recoveryLine();
  assert.ok(recovery && JSON.parse(recovery).resumedItems > 0, `the kill left items in flight: ${recovery}`);
  const deadline = Date.now() + 60_000;
  for (const { orderId } of answered) {
    for (;;) {
      const order = (await (await second.request('GET', `/v1/orders/${orderId}`, { token: key })).json()) as { items: Array<{ status: string }> };
      if (order.items.every((item) => item.status === 'complete')) break;
      assert.ok(Date.now() < deadline, `order ${orderId} completes: ${JSON.stringify(order)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const ledger = ((await (await second.request('GET', '/v1/sim/ledger', { token: ADMIN })).json()) as { items: Array<{ itemId: string; operation: string; calls: number }> }).items;
  for (const { itemIds } of answered) {
    for (const itemId of itemIds) {
      const operations = ledger.filter((entry) => entry.itemId === itemId).map((entry) => entry.operation).sort();
      assert.deepEqual(operations, EFFECTS, `item ${itemId}: every effect exactly once`);
    }
  }
});
