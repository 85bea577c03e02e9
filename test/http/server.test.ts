// Each route group against a real port (`npm start` as a child process), SSE included, and a clean
// shutdown on SIGTERM that ends open streams.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerChild } from '../helpers/serverChild.ts';
import { readSse } from '../helpers/sse.ts';
import { purchaseBody } from '../helpers/world.ts';

const ADMIN = 'test-operator-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'server-test-'));
let server: ServerChild;
let appKey: string;

before(async () => {
  server = await startServer(dir, { OPERATOR_TOKEN: ADMIN });
});
after(async () => {
  server.child.kill('SIGKILL');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

test('meta over a real port: the banner, health, readiness, metrics, OpenAPI', async () => {
  assert.match(server.output(), /Demo consumer app "demo", key/);
  assert.doesNotMatch(server.output(), new RegExp(ADMIN), 'a token the operator chose is not printed');
  assert.equal((await server.request('GET', '/healthz')).status, 200);
  assert.equal((await server.request('GET', '/readyz')).status, 200);
  assert.match(await (await server.request('GET', '/metrics')).text(), /sse_clients/);
  assert.equal((await server.request('GET', '/openapi.json')).status, 200);
});

test('admin over a real port: an app with its key, an operator with its token', async () => {
  const created = await server.request('POST', '/v1/consumer-apps', { token: ADMIN, body: { id: 'web', name: 'Web' } });
  assert.equal(created.status, 201);
  appKey = ((await created.json()) as { apiKey: string }).apiKey;
  const operator = await server.request('POST', '/v1/operators', { token: ADMIN, body: { name: 'csr1', role: 'csr' } });
  assert.equal(operator.status, 201);
});

test('consumer and storefront over a real port: purchase, then the SSE stream with a reconnect from Last-Event-ID', async () => {
  const session = (await (await server.request('POST', '/v1/sessions', { token: appKey, body: { customerId: 'cust-1' } })).json()) as { sessionId: string; sessionToken: string };
  const stream = readSse(await fetch(`${server.url}/v1/notifications/stream?token=${session.sessionToken}`));
  assert.equal((await stream.next())?.event, 'snapshot');
  const buy = async (key: string) => {
    const response = await server.request('POST', '/v1/purchases', { token: appKey, body: purchaseBody({ sessionId: session.sessionId }), headers: { 'idempotency-key': key } });
    assert.equal(response.status, 202);
    return ((await response.json()) as { items: Array<{ itemId: string }> }).items[0].itemId;
  };
  const first = await buy('real-1');
  const seen = [];
  for (let message = await stream.next(); message; message = await stream.next()) {
    seen.push(message);
    if (message.data.status === 'complete') break;
  }
  assert.deepEqual(seen.map((m) => [m.data.itemId, m.data.status]), [[first, 'in_progress'], [first, 'complete']]);
  await stream.close();

  const second = await buy('real-2');
  const order = async () => (await (await server.request('GET', `/v1/subscriptions/${second}`, { token: session.sessionToken })).json()) as { status: string };
  while ((await order()).status !== 'complete') await new Promise((resolve) => setTimeout(resolve, 20));
  const again = readSse(await fetch(`${server.url}/v1/notifications/stream`, { headers: { authorization: `Bearer ${session.sessionToken}`, 'last-event-id': seen.at(-1)!.id! } }));
  const missed = [await again.next(), await again.next()];
  assert.deepEqual(missed.map((m) => [m?.data.itemId, m?.data.status, m?.data.badge]), [[second, 'in_progress', 1], [second, 'complete', 2]]);
  await assert.rejects(again.next(300), /no SSE message/);
  await again.close();
});

test('event viewer over a real port: a csr lists failed starts', async () => {
  const csr = ((await (await server.request('POST', '/v1/operators', { token: ADMIN, body: { name: 'csr2', role: 'csr' } })).json()) as { token: string }).token;
  const response = await server.request('GET', '/v1/events?type=3&status=2', { token: csr });
  assert.equal(response.status, 200);
  assert.ok(((await response.json()) as { items: unknown[] }).items.length >= 2);
});

test('SIGTERM: open streams end, the process exits 0, and the data is there after a restart', async () => {
  const session = (await (await server.request('POST', '/v1/sessions', { token: appKey, body: { customerId: 'cust-1' } })).json()) as { sessionToken: string };
  const stream = readSse(await fetch(`${server.url}/v1/notifications/stream?token=${session.sessionToken}`));
  assert.equal((await stream.next())?.event, 'snapshot');
  server.child.kill('SIGTERM');
  assert.equal(await stream.next(10_000), null, 'the stream ended cleanly');
  // A client reconnecting at once (EventSource does, on a kept-alive socket) is turned away.
  const reconnect = await fetch(`${server.url}/v1/notifications/stream?token=${session.sessionToken}`).then(
    (response) => response.status,
    () => 'refused',
  );
  assert.ok(reconnect === 503 || reconnect === 'refused', `reconnect during shutdown: ${reconnect}`);
  assert.equal(await server.exited, 0);
  server = await startServer(dir, { OPERATOR_TOKEN: ADMIN });
  assert.doesNotMatch(server.output(), /Demo consumer app "demo", key/, 'the demo key is printed once, on the first start');
  const list = await server.request('GET', '/v1/events?type=3&status=2', { token: ADMIN });
  assert.ok(((await list.json()) as { items: unknown[] }).items.length >= 2);
});
