// Engineering endpoints and the app's wire conventions (API.md, SPEC §9): health, readiness,
// metrics, OpenAPI, charts, item state; 413, 400, 404, 405 and 500 as problems without internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createAccess } from '../../src/engine/index.ts';
import type { Registry } from 'prom-client';
import { createApp, createProcessMetrics, MAX_BODY_BYTES } from '../../src/http/index.ts';
import { createHttpWorld } from '../helpers/httpWorld.ts';
import { createWorld, purchaseBody } from '../helpers/world.ts';

test('readyz is 503 and the API answers 503 until recovery is done; healthz is 200 at once', async (t) => {
  const world = await createWorld(t);
  let ready = false;
  const engine = new Proxy(world.engine, { get: (target, key) => (key === 'ready' ? ready : Reflect.get(target, key)) });
  const app = createApp({ engine, access: createAccess(world.store), sims: world.sims.controls, logger: pino({ level: 'silent' }) });
  assert.equal((await app.hono.request('/healthz')).status, 200);
  assert.equal((await app.hono.request('/readyz')).status, 503);
  const api = await app.hono.request('/v1/offers');
  assert.equal(api.status, 503);
  assert.ok(api.headers.get('retry-after'));
  ready = true;
  assert.equal((await app.hono.request('/readyz')).status, 200);
});

test('metrics count purchases, step outcomes by type and status, retries and SSE clients', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const placed = (await (await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ payment: { gateway: 'payway', token: 'tok_flaky' } }), headers: { 'idempotency-key': 'm' } })).json()) as any;
  await h.world.settled(placed.items[0].itemId);
  const text = await (await h.request('GET', '/metrics')).text();
  assert.match(text, /^purchases_total\{status="202"\} 1$/m);
  assert.match(text, /^step_outcomes_total\{type="LINKOWNER",status="2"\} 1$/m);
  assert.match(text, /^step_retries_total\{type="CCFUNDCAPTURE"\} 2$/m, 'tok_flaky fails each payment call twice');
  assert.match(text, /^sse_clients 0$/m);
  const { sessionToken } = await h.access.openSession('store', 'cust-1');
  const stream = await h.request('GET', `/v1/notifications/stream?token=${sessionToken}`);
  assert.match(await (await h.request('GET', '/metrics')).text(), /^sse_clients 1$/m);
  await stream.body?.cancel();
  await h.app.endStreams();
  assert.match(await (await h.request('GET', '/metrics')).text(), /^sse_clients 0$/m);
  assert.match(text, /^purchase_response_seconds_bucket/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{.*route="\/v1\/purchases"/m);
});

test("metrics show the process's own, when the process gives them: heap, resident memory, event-loop lag, open file descriptors", async (t) => {
  const world = await createWorld(t);
  const build = (processMetrics?: Registry) =>
    createApp({ engine: world.engine, access: createAccess(world.store), sims: world.sims.controls, logger: pino({ level: 'silent' }), processMetrics });
  const ofProcess = createProcessMetrics();
  const text = await (await build(ofProcess).hono.request('/metrics')).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.ok(value('nodejs_heap_size_used_bytes') > 0);
  assert.ok(value('process_resident_memory_bytes') >= value('nodejs_heap_size_used_bytes'));
  if (process.platform === 'linux') assert.ok(value('process_open_fds') > 0); // prom-client reads /proc
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  assert.match(text, /^sse_clients 0$/m, "and the app's own after them");
  // An app built without them (every test app but this one) collects none: each collection keeps
  // a GC observer and an event-loop histogram for the life of the process.
  const without = await (await build().hono.request('/metrics')).text();
  assert.doesNotMatch(without, /process_resident_memory_bytes/);
  assert.match(without, /^sse_clients 0$/m);
});

test('the OpenAPI document lists every endpoint of API.md, and the docs page is served locally', async (t) => {
  const h = await createHttpWorld(t);
  const doc = (await (await h.request('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  for (const expected of [
    'POST /v1/consumer-apps', 'PATCH /v1/consumer-apps/{id}', 'GET /v1/event-types', 'PATCH /v1/event-types/{code}', 'PUT /v1/offers/{offerId}',
    'GET /v1/offers/{offerId}', 'GET /v1/offers', 'POST /v1/operators', 'POST /v1/sim/circulation/outage', 'POST /v1/sim/latency', 'GET /v1/sim/ledger',
    'GET /v1/sim/outbox', 'POST /v1/sessions', 'DELETE /v1/sessions/{sessionId}', 'POST /v1/purchases', 'GET /v1/orders/{orderId}',
    'GET /v1/notifications', 'GET /v1/notifications/stream', 'GET /v1/subscriptions/{itemId}', 'GET /v1/subscriptions/{itemId}/stream',
    'POST /v1/subscriptions/{itemId}/cancel', 'GET /v1/events', 'GET /v1/events/{eventId}', 'PATCH /v1/events/{eventId}',
    'POST /v1/events/{eventId}/reprocess', 'POST /v1/events/{eventId}/close', 'GET /v1/machines', 'GET /v1/machines/{name}',
    'GET /v1/machines/{name}/mermaid', 'GET /v1/items/{itemId}/state', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'GET /docs',
  ]) {
    assert.ok(operations.includes(expected), `${expected} is documented`);
  }
  for (const stream of ['/v1/notifications/stream', '/v1/subscriptions/{itemId}/stream']) {
    const parameters = (doc.paths[stream].get as any).parameters as Array<{ in: string; name: string }>;
    assert.ok(parameters.some((p) => p.in === 'header' && p.name === 'last-event-id'), `${stream} documents Last-Event-ID`);
  }
  // The problems any request may meet are documented on every operation of the API that can give them.
  for (const [path, methods] of Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/'))) {
    for (const [method, operation] of Object.entries(methods) as Array<[string, { responses: Record<string, unknown>; requestBody?: unknown }]>) {
      const expected = ['422', '503', ...(operation.requestBody ? ['400', '413', '415'] : [])];
      for (const status of expected) assert.ok(operation.responses[status], `${method.toUpperCase()} ${path} documents ${status}`);
    }
  }
  const listParameters = Object.fromEntries(((doc.paths['/v1/events'].get as any).parameters as Array<{ name: string; schema: unknown }>).map((p) => [p.name, p.schema]));
  assert.deepEqual(listParameters.limit, { type: 'integer', minimum: 1, maximum: 500, default: 50 });
  assert.deepEqual([(listParameters.type as any).default, (listParameters.status as any).default], [3, 3]);
  const purchase = doc.paths['/v1/purchases'].post as any;
  assert.ok(purchase.requestBody.content['application/json'].schema.properties.subscriber, 'the body schema is the validating one');
  const docs = await h.request('GET', '/docs');
  assert.equal(docs.status, 200);
  assert.doesNotMatch(await docs.text(), /https?:\/\/(?!localhost)/, 'no asset from another host');
});

test('the chart as JSON and Mermaid, and an item state value for the live highlight', async (t) => {
  const h = await createHttpWorld(t);
  const csr = await h.newOperator('eng', 'csr');
  assert.deepEqual(await (await h.request('GET', '/v1/machines', { token: csr })).json(), { items: [{ name: 'new-start' }] });
  const chart = (await (await h.request('GET', '/v1/machines/new-start', { token: csr })).json()) as { states: Record<string, unknown> };
  assert.ok(chart.states.ADDSUBSCRIPTION);
  const mermaid = await (await h.request('GET', '/v1/machines/new-start/mermaid', { token: csr })).text();
  assert.match(mermaid, /^stateDiagram-v2/);
  assert.equal((await h.request('GET', '/v1/machines/other', { token: csr })).status, 404);
  const key = await h.newApp();
  const placed = (await (await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 's' } })).json()) as any;
  await h.world.settled(placed.items[0].itemId);
  assert.deepEqual(await (await h.request('GET', `/v1/items/${placed.items[0].itemId}/state`, { token: csr })).json(), { itemId: placed.items[0].itemId, value: 'complete' });
  assert.equal((await h.request('GET', '/v1/items/none/state', { token: csr })).status, 404);
});

test('wire conventions: 413 over 1 MiB, 400 for a body that is not JSON, 404 problem for unknown routes, 405 with Allow for a known path', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const big = await h.request('POST', '/v1/purchases', { token: key, body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }), headers: { 'idempotency-key': 'big', 'content-length': String(MAX_BODY_BYTES + 10) } });
  assert.equal(big.status, 413);
  assert.equal(big.headers.get('content-type'), 'application/problem+json');
  const notJson = await h.request('POST', '/v1/purchases', { token: key, body: '{"customerId":', headers: { 'idempotency-key': 'nj' } });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.headers.get('content-type'), 'application/problem+json');
  const unknown = await h.request('GET', '/v2/anything');
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { type: string }).type, '/problems/not-found');
  for (const [method, path, allow] of [
    ['DELETE', '/v1/offers/daily-digital', 'GET, HEAD, PUT'],
    ['GET', '/v1/purchases', 'POST'],
    ['OPTIONS', '/v1/events/01ABC', 'GET, HEAD, PATCH'],
  ] as const) {
    const refused = await h.request(method, path, { token: key });
    assert.deepEqual([refused.status, refused.headers.get('allow'), refused.headers.get('content-type')], [405, allow, 'application/problem+json'], `${method} ${path}`);
  }
  assert.equal((await h.request('DELETE', '/v1/offers/daily-digital/more', { token: key })).status, 404, 'a path the API does not have');
});

test('an unexpected error is a 500 problem without its message or stack, and is logged', async (t) => {
  const world = await createWorld(t);
  const logged: unknown[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const engine = new Proxy(world.engine, {
    get: (target, key) => (key === 'listOffers' ? () => { throw new Error('secret internals at /srv/db'); } : Reflect.get(target, key)),
  });
  const access = createAccess(world.store);
  const token = (await access.setAdminToken(undefined))!;
  const app = createApp({ engine, access, sims: world.sims.controls, logger });
  const response = await app.hono.request('/v1/offers', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 500);
  const text = await response.text();
  assert.doesNotMatch(text, /secret|internals|at \//);
  assert.equal(logged.length, 1);
  assert.doesNotMatch(JSON.stringify(logged), new RegExp(token), 'credentials never reach the log');
});

test('an unknown query parameter is a 422 naming it, on every route that takes none', async (t) => {
  const h = await createHttpWorld(t);
  const offers = await h.request('GET', '/v1/offers?colour=red', { token: h.adminToken });
  assert.equal(offers.status, 422);
  assert.deepEqual(((await offers.json()) as { errors: unknown[] }).errors, [{ path: 'colour', message: 'is not a known field' }]);
  assert.equal((await h.request('GET', '/v1/offers', { token: h.adminToken })).status, 200);
});

test('request logs carry a request id and never a token, key or card number', async (t) => {
  const world = await createWorld(t);
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const access = createAccess(world.store);
  const admin = (await access.setAdminToken(undefined))!;
  const app = createApp({ engine: world.engine, access, sims: world.sims.controls, logger });
  const { apiKey } = await access.createApp({ id: 'logs', name: 'Logs' });
  const session = await access.openSession('logs', 'c1');
  const card = '4111 1111 1111 1111';
  const body = JSON.stringify(purchaseBody({ payment: { gateway: 'payway', token: card } }));
  await app.hono.request('/v1/purchases', { method: 'POST', body, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': 'log' } });
  const stream = await app.hono.request(`/v1/notifications/stream?token=${session.sessionToken}`);
  await stream.body?.cancel();
  await app.hono.request('/v1/offers', { headers: { authorization: `Bearer ${admin}`, 'x-request-id': 'req-42' } });
  const text = JSON.stringify(lines);
  for (const secret of [apiKey, session.sessionToken, admin, card, '4111']) assert.ok(!text.includes(secret), `${secret.slice(0, 8)}… is not logged`);
  assert.ok(lines.some((line) => line.requestId === 'req-42' && line.path === '/v1/offers' && line.status === 200));
  assert.ok(lines.every((line) => line.msg !== 'request' || typeof line.requestId === 'string'));
});
