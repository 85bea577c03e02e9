// Admin endpoints in-process (API.md "Admin"): apps, operators, event types, offers, simulators.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld } from '../helpers/httpWorld.ts';
import { purchaseBody } from '../helpers/world.ts';

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

test('a consumer app is created with its key shown once; its settings change; a taken id is 409', async (t) => {
  const h = await createHttpWorld(t);
  const created = await json(await h.request('POST', '/v1/consumer-apps', { token: h.adminToken, body: { id: 'web', name: 'Web' } }));
  assert.equal(created.status, 201);
  assert.deepEqual({ ...created.body, apiKey: typeof created.body.apiKey }, { id: 'web', name: 'Web', processSync: false, lookupStrategy: 'email-only', apiKey: 'string' });
  const patched = await json(await h.request('PATCH', '/v1/consumer-apps/web', { token: h.adminToken, body: { processSync: true } }));
  assert.deepEqual(patched, { status: 200, body: { id: 'web', name: 'Web', processSync: true, lookupStrategy: 'email-only' } });
  assert.equal((await h.request('POST', '/v1/consumer-apps', { token: h.adminToken, body: { id: 'web', name: 'Again' } })).status, 409);
  assert.equal((await h.request('PATCH', '/v1/consumer-apps/nope', { token: h.adminToken, body: { processSync: true } })).status, 404);
  const unknown = await json(await h.request('PATCH', '/v1/consumer-apps/web', { token: h.adminToken, body: { apiKey: 'x' } }));
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.errors[0].path, 'apiKey');
  const blank = await json(await h.request('POST', '/v1/consumer-apps', { token: h.adminToken, body: { id: ' ', name: 'Shop ' } }));
  assert.equal(blank.status, 422);
  assert.deepEqual(blank.body.errors.map((e: { path: string }) => e.path).sort(), ['id', 'name']);
  assert.equal((await h.request('PUT', '/v1/offers/%20', { token: h.adminToken, body: { name: 'X', rateCode: 'R', price: 1 } })).status, 422);
  // Ids and names are text that can be shown back: no control characters, overrides or lone surrogates.
  const ghost = await json(await h.request('POST', '/v1/consumer-apps', { token: h.adminToken, body: { id: 'ghost\ud800', name: 'a\u202eb' } }));
  assert.deepEqual([ghost.status, ghost.body.errors.map((e: { path: string }) => e.path).sort()], [422, ['id', 'name']]);
  const nul = await json(await h.request('POST', '/v1/operators', { token: h.adminToken, body: { name: 'eve\u0000', role: 'csr' } }));
  assert.deepEqual([nul.status, nul.body.errors[0].path], [422, 'name']);
  const offerId = await json(await h.request('PUT', '/v1/offers/x%0Ay', { token: h.adminToken, body: { name: 'X', rateCode: 'R', price: 1 } }));
  assert.deepEqual([offerId.status, offerId.body.errors[0].path], [422, 'offerId']);
  const rateCode = await json(await h.request('PUT', '/v1/offers/xy', { token: h.adminToken, body: { name: 'X', rateCode: 'R\u0007', price: 1 } }));
  assert.deepEqual([rateCode.status, rateCode.body.errors[0].path], [422, 'rateCode']);
  assert.equal(h.world.store.getApp('ghost\ud800'), undefined);
  // The store keeps only the key's hash.
  assert.doesNotMatch(JSON.stringify(h.world.store.getApp('web')), new RegExp(created.body.apiKey));
});

test('operators are created with a token shown once; the token works with its role', async (t) => {
  const h = await createHttpWorld(t);
  const created = await json(await h.request('POST', '/v1/operators', { token: h.adminToken, body: { name: 'sam', role: 'csr' } }));
  assert.equal(created.status, 201);
  assert.equal(created.body.role, 'csr');
  assert.equal((await h.request('GET', '/v1/events', { token: created.body.token })).status, 200);
  assert.equal((await h.request('GET', '/v1/offers', { token: created.body.token })).status, 403);
  assert.equal((await h.request('POST', '/v1/operators', { token: h.adminToken, body: { name: 'sam', role: 'admin' } })).status, 409);
  assert.equal((await h.request('POST', '/v1/operators', { token: h.adminToken, body: { name: 'x', role: 'boss' } })).status, 422);
});

test('event types list with toggles and change one at a time', async (t) => {
  const h = await createHttpWorld(t);
  const list = await json(await h.request('GET', '/v1/event-types', { token: h.adminToken }));
  assert.equal(list.body.items.length, 12);
  assert.deepEqual(list.body.items.find((type: { code: number }) => type.code === 3), { code: 3, name: 'STARTSTD', sync: true, viewInEventViewer: true, allowResubmit: true });
  const changed = await json(await h.request('PATCH', '/v1/event-types/3', { token: h.adminToken, body: { allowResubmit: false } }));
  assert.equal(changed.body.allowResubmit, false);
  assert.equal(changed.body.viewInEventViewer, true);
  assert.equal((await h.request('PATCH', '/v1/event-types/99', { token: h.adminToken, body: {} })).status, 404, 'no such type');
  assert.equal((await h.request('PATCH', '/v1/event-types/x', { token: h.adminToken, body: {} })).status, 422, 'not a number');
  for (const code of ['0x3', '3.0', '+3', '3e0']) assert.equal((await h.request('PATCH', `/v1/event-types/${code}`, { token: h.adminToken, body: {} })).status, 422, code);
});

test('offers: seeded, created (201), replaced (200), read, listed, validated', async (t) => {
  const h = await createHttpWorld(t);
  const seeded = await json(await h.request('GET', '/v1/offers/daily-digital', { token: h.adminToken }));
  assert.deepEqual(seeded.body, { offerId: 'daily-digital', name: 'Daily Digital', rateCode: 'DIGITAL-MONTHLY', price: 999 });
  const offer = { name: 'Sunday', rateCode: 'WEEKEND-2DAY', price: 499 };
  assert.equal((await h.request('PUT', '/v1/offers/sunday', { token: h.adminToken, body: offer })).status, 201);
  assert.equal((await h.request('PUT', '/v1/offers/sunday', { token: h.adminToken, body: { ...offer, price: 599 } })).status, 200);
  assert.equal((await json(await h.request('GET', '/v1/offers/sunday', { token: h.adminToken }))).body.price, 599);
  assert.equal((await json(await h.request('GET', '/v1/offers', { token: h.adminToken }))).body.items.length, 4);
  assert.equal((await h.request('GET', '/v1/offers/none', { token: h.adminToken })).status, 404);
  const bad = await json(await h.request('PUT', '/v1/offers/x', { token: h.adminToken, body: { name: 'X', rateCode: 'R', price: 1.5 } }));
  assert.equal(bad.status, 422);
  assert.equal(bad.body.errors[0].path, 'price');
});

test('simulator switches: outage, latency; the ledger and outbox read what the simulators did', async (t) => {
  const h = await createHttpWorld(t);
  assert.deepEqual((await json(await h.request('POST', '/v1/sim/circulation/outage', { token: h.adminToken, body: { on: true } }))).body, { on: true });
  assert.deepEqual((await json(await h.request('POST', '/v1/sim/circulation/outage', { token: h.adminToken, body: { on: false } }))).body, { on: false });
  assert.deepEqual((await json(await h.request('POST', '/v1/sim/latency', { token: h.adminToken, body: { ms: 0 } }))).body, { ms: 0 });
  assert.equal((await h.request('POST', '/v1/sim/latency', { token: h.adminToken, body: { ms: 10_001 } })).status, 422);
  const key = await h.newApp();
  const placed = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'l' } }));
  const itemId = placed.body.items[0].itemId;
  await h.world.settled(itemId);
  const ledger = await json(await h.request('GET', `/v1/sim/ledger?itemId=${itemId}`, { token: h.adminToken }));
  const operations = ledger.body.items.map((e: { system: string; operation: string; calls: number }) => `${e.system}:${e.operation}:${e.calls}`).sort();
  assert.deepEqual(operations, [
    'circulation:add-address:1', 'circulation:add-subscription:1', 'circulation:create-occupant:1', 'circulation:record-payment:1',
    'mail:send:1', 'payway:authorize:1', 'payway:capture:1', 'payway:update-transaction:1', 'preferences:subscribe:1', 'registration:link-owner:1',
  ]);
  const outbox = await json(await h.request('GET', '/v1/sim/outbox?email=jane@example.com', { token: h.adminToken }));
  assert.equal(outbox.body.items.length, 1);
  assert.equal(outbox.body.items[0].itemId, itemId);
  for (const email of ['', 'not-an-email']) {
    const refused = await json(await h.request('GET', `/v1/sim/outbox?email=${email}`, { token: h.adminToken }));
    assert.deepEqual([refused.status, refused.body.errors[0].path], [422, 'email']);
  }
});

test("switching an app's processSync on makes its next purchase answer 201 complete instead of 202", async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp('web');
  const post = (idempotencyKey: string) => h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': idempotencyKey } });
  const split = await json(await post('before'));
  assert.equal(split.status, 202);
  await h.world.settled(split.body.items[0].itemId);
  assert.equal((await h.request('PATCH', '/v1/consumer-apps/web', { token: h.adminToken, body: { processSync: true } })).status, 200);
  const sync = await json(await post('after'));
  assert.equal(sync.status, 201);
  assert.equal(sync.body.status, 'complete');
  assert.match(sync.body.items[0].accountNumber, /^\d+$/);
});

test("switching an app's lookupStrategy to standard takes effect: an occupant with the same email but another first name is no longer a match", async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp('web');
  let n = 0;
  /** Buys as `firstName` Doe, jane@example.com; true when the item created an occupant (the lookup found none). */
  const createdOccupant = async (firstName: string) => {
    const placed = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ subscriber: { firstName, lastName: 'Doe', email: 'jane@example.com' } }), headers: { 'idempotency-key': `k${++n}` } }));
    assert.equal(placed.status, 202);
    const itemId = placed.body.items[0].itemId;
    assert.equal((await h.world.settled(itemId)).status, 'complete');
    const ledger = await json(await h.request('GET', `/v1/sim/ledger?itemId=${itemId}`, { token: h.adminToken }));
    return ledger.body.items.some((e: { operation: string }) => e.operation === 'create-occupant');
  };
  assert.equal(await createdOccupant('Jane'), true, 'the first purchase creates the occupant');
  assert.equal(await createdOccupant('Janet'), false, 'email-only: the email matches');
  const patched = await json(await h.request('PATCH', '/v1/consumer-apps/web', { token: h.adminToken, body: { lookupStrategy: 'standard' } }));
  assert.equal(patched.body.lookupStrategy, 'standard');
  assert.equal(await createdOccupant('Janet'), true, 'standard: the first name differs');
  assert.equal(await createdOccupant('Jane'), false, 'standard: names and email match');
});
