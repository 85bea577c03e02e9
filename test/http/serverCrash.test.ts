// The server killed with SIGKILL under purchase load (SPEC §4, §5, §9): a new process on the same
// data directory finishes every purchase that was answered 2xx, the ledgers, read over HTTP, show
// each effect once, and a shopper's notification stream, reconnected with Last-Event-ID, gets
// what it missed across the kill, nothing twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerChild } from '../helpers/serverChild.ts';
import { readSse, type SseMessage, type SseReader } from '../helpers/sse.ts';
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
  await allComplete(second, key, answered.map((order) => order.orderId));
  const ledger = ((await (await second.request('GET', '/v1/sim/ledger', { token: ADMIN })).json()) as { items: Array<{ itemId: string; operation: string; calls: number }> }).items;
  for (const { itemIds } of answered) {
    for (const itemId of itemIds) {
      const operations = ledger.filter((entry) => entry.itemId === itemId).map((entry) => entry.operation).sort();
      assert.deepEqual(operations, EFFECTS, `item ${itemId}: every effect exactly once`);
    }
  }
});

test('a notification stream reconnected with Last-Event-ID after a SIGKILL and a restart gets what it missed, nothing twice', async (t) => {
  const dir = tempDir(t, 'server-crash-sse-');
  // Slow enough third parties that the kill finds items between steps.
  const env = { OPERATOR_TOKEN: ADMIN, SIM_LATENCY_MS: '15' };
  const first = await startServer(dir, env);
  const key = ((await (await first.request('POST', '/v1/consumer-apps', { token: ADMIN, body: { id: 'shop', name: 'Shop' } })).json()) as { apiKey: string }).apiKey;
  const session = (await (await first.request('POST', '/v1/sessions', { token: key, body: { customerId: 'shopper' } })).json()) as { sessionId: string; sessionToken: string };
  const seen: SseMessage[] = [];
  const stream = readSse(await fetch(`${first.url}/v1/notifications/stream?token=${session.sessionToken}`));
  assert.equal((await stream.next())?.event, 'snapshot');

  const answered: string[] = [];
  for (let i = 0; i < 6; i++) {
    const body = purchaseBody({ customerId: 'shopper', sessionId: session.sessionId, subscriber: { firstName: 'Sam', lastName: 'Roe', email: `s${i}@example.com` } });
    const response = await first.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': `sse-${i}` } });
    assert.equal(response.status, 202);
    answered.push(((await response.json()) as { items: Array<{ itemId: string }> }).items[0].itemId);
  }
  // Killed once the first item is complete on the stream, while the others are still on their way.
  await readUntil(stream, seen, (message) => message.data.status === 'complete');
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  const lastSeen = seen.at(-1)!.id!;
  const notComplete = answered.filter((itemId) => !seen.some((m) => m.data.itemId === itemId && m.data.status === 'complete'));
  assert.ok(notComplete.length > 0, 'the kill left items in flight');

  const second = await startServer(dir, env);
  t.after(() => stopServer(second));
  const again = readSse(await fetch(`${second.url}/v1/notifications/stream`, { headers: { authorization: `Bearer ${session.sessionToken}`, 'last-event-id': lastSeen } }));
  const before = seen.length;
  await readUntil(again, seen, () => answered.every((itemId) => seen.some((m) => m.data.itemId === itemId && m.data.status === 'complete')), 60_000);
  await assert.rejects(again.next(500), /no SSE message/, 'nothing more once every item is complete');
  await again.close();

  const after = seen.slice(before);
  assert.ok(after.every((m) => m.event === 'item'), 'the reconnect replays items, no new snapshot');
  const ids = seen.map((m) => Number(m.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids only grow, across the restart too');
  assert.equal(new Set(ids).size, ids.length, 'no id given twice');
  const changes = seen.map((m) => `${m.data.itemId} ${m.data.status}`);
  assert.equal(new Set(changes).size, changes.length, `no change twice: ${changes.join(', ')}`);
  for (const itemId of answered) assert.ok(changes.includes(`${itemId} in_progress`) && changes.includes(`${itemId} complete`), `every change of ${itemId} seen once`);
});

test('repeated with their keys after a SIGKILL under load, purchases get their first answer byte for byte (or, cut off, one answer kept), and nothing is made twice', async (t) => {
  const dir = tempDir(t, 'server-crash-keys-');
  const env = { OPERATOR_TOKEN: ADMIN, SIM_LATENCY_MS: '4' };
  const first = await startServer(dir, env);
  const key = ((await (await first.request('POST', '/v1/consumer-apps', { token: ADMIN, body: { id: 'keys', name: 'Keys' } })).json()) as { apiKey: string }).apiKey;
  const bodies = Array.from({ length: 30 }, (_, i) => purchaseBody({ customerId: `k${i}`, subscriber: { firstName: 'Kim', lastName: 'Ray', email: `k${i}@example.com` } }));
  const purchase = async (server: ServerChild, i: number) => {
    const response = await server.request('POST', '/v1/purchases', { token: key, body: bodies[i], headers: { 'idempotency-key': `key-${i}` } });
    return { status: response.status, text: await response.text() };
  };

  const firstAnswers = new Map<number, { status: number; text: string }>();
  await Promise.all(
    bodies.map(async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 3));
      try {
        const answer = await purchase(first, i);
        if (answer.status >= 200 && answer.status < 300) firstAnswers.set(i, answer);
        if (firstAnswers.size === 6) first.child.kill('SIGKILL');
      } catch {
        // Cut off by the kill.
      }
    }),
  );
  assert.equal(await first.exited, 'SIGKILL');
  assert.ok(firstAnswers.size >= 6 && firstAnswers.size < bodies.length, `${firstAnswers.size} of ${bodies.length} answered before the kill`);

  const second = await startServer(dir, env);
  t.after(() => stopServer(second));
  const repeats = await Promise.all(bodies.map((_, i) => purchase(second, i)));
  for (const [i, answer] of firstAnswers) assert.deepEqual(repeats[i], answer, `key-${i}: the first answer again`);
  for (const [i, answer] of repeats.entries()) assert.equal(answer.status, 202, `key-${i}: ${answer.text}`);
  // What a cut-off purchase was answered on its repeat is its answer from now on.
  assert.deepEqual(await Promise.all(bodies.map((_, i) => purchase(second, i))), repeats);

  const orders = repeats.map((answer) => JSON.parse(answer.text) as { orderId: string; items: Array<{ itemId: string }> });
  await allComplete(second, key, orders.map((order) => order.orderId));
  const ledger = ((await (await second.request('GET', '/v1/sim/ledger', { token: ADMIN })).json()) as { items: Array<{ itemId: string; operation: string }> }).items;
  const byItem = new Map<string, string[]>();
  for (const entry of ledger) byItem.set(entry.itemId, [...(byItem.get(entry.itemId) ?? []), entry.operation].sort());
  const kept = new Set(orders.flatMap((order) => order.items.map((item) => item.itemId)));
  for (const itemId of kept) assert.deepEqual(byItem.get(itemId), EFFECTS, `item ${itemId}: every effect exactly once`);
  // Any other item is of an order recovery aborted (its key released and run afresh): its authorization voided, nothing else.
  for (const [itemId, operations] of byItem) if (!kept.has(itemId)) assert.deepEqual(operations, ['authorize', 'void'], `aborted item ${itemId}`);
});

/** Reads messages into `seen` until one satisfies `done` (or, given no message, `done` already holds). */
async function readUntil(stream: SseReader, seen: SseMessage[], done: (message: SseMessage) => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = await stream.next(Math.max(1, deadline - Date.now()));
    assert.ok(message, 'the stream ended early');
    seen.push(message);
    if (done(message)) return;
  }
}

/** Resolves once every order's items are complete (within 60 s), reading them over HTTP. */
async function allComplete(server: ServerChild, key: string, orderIds: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const orderId of orderIds) {
    for (;;) {
      const order = (await (await server.request('GET', `/v1/orders/${orderId}`, { token: key })).json()) as { items: Array<{ status: string }> };
      if (order.items.every((item) => item.status === 'complete')) break;
      assert.ok(Date.now() < deadline, `order ${orderId} completes: ${JSON.stringify(order)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function stopServer(server: ServerChild): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}
