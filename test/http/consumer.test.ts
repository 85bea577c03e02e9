// Consumer-app endpoints in-process (API.md "Consumer app"): every row of the purchase table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld } from '../helpers/httpWorld.ts';
import { purchaseBody } from '../helpers/world.ts';

const json = async (response: Response) => ({ status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as any });

test('a split-mode purchase answers 202 with the items in progress, and the order shows them', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const answer = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'k1' } }));
  assert.equal(answer.status, 202);
  assert.equal(answer.body.status, 'provisioning');
  assert.equal(answer.body.items.length, 1);
  const [item] = answer.body.items;
  assert.equal(item.status, 'in_progress');
  assert.match(item.temporaryAccountNumber, /^T/);
  await h.world.settled(item.itemId);
  const order = await json(await h.request('GET', `/v1/orders/${answer.body.orderId}`, { token: key }));
  assert.equal(order.status, 200);
  assert.equal(order.body.items[0].status, 'complete');
  assert.match(order.body.items[0].accountNumber, /^\d+$/);
});

test('a repeated Idempotency-Key replays the first answer; another body is 422; no key is 400', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const first = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'same' } }));
  const again = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'same' } }));
  assert.deepEqual(again, first);
  const other = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ customerId: 'other' }), headers: { 'idempotency-key': 'same' } }));
  assert.equal(other.status, 422);
  assert.equal(other.type, 'application/problem+json');
  const none = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody() }));
  assert.equal(none.status, 400);
  assert.match(none.body.detail, /Idempotency-Key/);
});

test('an invalid body is 422 naming every field by its full path, unknown fields too, and keeps nothing', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const body = purchaseBody({ payment: { gateway: 'payway', token: '4111 1111 1111 1111' }, extra: 1 });
  (body.subscriber as Record<string, unknown>).email = 'nope';
  const bad = await json(await h.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': 'fixme' } }));
  assert.equal(bad.status, 422);
  const paths = bad.body.errors.map((e: { path: string }) => e.path).sort();
  assert.deepEqual(paths, ['extra', 'payment.token', 'subscriber.email']);
  assert.doesNotMatch(JSON.stringify(bad.body), /4111/);
  // The key is free: the fixed body goes through under it.
  const fixed = await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'fixme' } });
  assert.equal(fixed.status, 202);
});

test('sync failures: undeliverable 422, declined 402, unavailable 503 with Retry-After', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const post = (body: Record<string, unknown>, k: string) => h.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': k } });
  const undeliverableBody = purchaseBody({ deliveryAddress: { line1: '1 Main St', city: 'X', postalCode: '00000', country: 'US' } });
  const undeliverable = await post(undeliverableBody, 'a');
  assert.equal(undeliverable.status, 422);
  const undeliverableText = await undeliverable.text();
  assert.equal(JSON.parse(undeliverableText).errors[0].path.startsWith('deliveryAddress'), true);
  const declinedBody = purchaseBody({ payment: { gateway: 'braintree', token: 'tok_decline' } });
  const declined = await post(declinedBody, 'b');
  assert.equal(declined.status, 402);
  const declinedText = await declined.text();
  const unavailable = await post(purchaseBody({ payment: { gateway: 'payway', token: 'tok_unavailable' } }), 'c');
  assert.equal(unavailable.status, 503);
  assert.ok(unavailable.headers.get('retry-after'));
  // A refusal of the synchronous part is the key's first answer: replayed byte for byte, and the
  // key is not free for a fixed purchase (API.md); only the 503 released its key.
  for (const [k, body, first, status] of [['a', undeliverableBody, undeliverableText, 422], ['b', declinedBody, declinedText, 402]] as const) {
    const again = await post(body, k);
    assert.equal(again.status, status);
    assert.equal(again.headers.get('content-type'), 'application/problem+json');
    assert.equal(await again.text(), first);
    assert.equal((await post(purchaseBody(), k)).status, 422, 'another body under the key of a refused purchase');
  }
  assert.equal((await post(purchaseBody(), 'c')).status, 202, 'the key of a 503 is free');
});

test('processSync: 201 once every step is done; 502 naming the failed step when one fails', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp('sync', { processSync: true });
  const done = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'ok' } }));
  assert.equal(done.status, 201);
  assert.equal(done.body.items[0].status, 'complete');
  const failing = purchaseBody({ subscriber: { firstName: 'Jo', lastName: "Doe's", email: 'doe@example.com' } });
  const failed = await json(await h.request('POST', '/v1/purchases', { token: key, body: failing, headers: { 'idempotency-key': 'bad' } }));
  assert.equal(failed.status, 502);
  assert.equal(failed.body.items[0].failedStep, 'CREATESUBSCRIBER');
  assert.ok(failed.body.orderId);
});

test('a key repeated on every turn while its processSync purchase ends gets 409 or the first answer, and the first answer stands', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp('lte', { processSync: true });
  const send = () => h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'k-race' } });
  let firstDone = false;
  const first = send().then(json).finally(() => (firstDone = true));
  const repeats = new Set<number>();
  while (!firstDone) {
    await new Promise((resolve) => setImmediate(resolve));
    repeats.add((await send()).status);
  }
  const answer = await first;
  assert.equal(answer.status, 201);
  assert.deepEqual([...repeats].filter((status) => status !== 409 && status !== 201), [], 'no repeat got an answer of its own');
  assert.deepEqual(await json(await send()), answer, 'the first answer is replayed');
});

test('a sessionId that is not a live session of the customer is 422; a live one is accepted', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const session = (await json(await h.request('POST', '/v1/sessions', { token: key, body: { customerId: 'cust-1' } }))).body;
  const wrong = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ sessionId: session.sessionId, customerId: 'someone-else' }), headers: { 'idempotency-key': 's1' } }));
  assert.equal(wrong.status, 422);
  assert.equal(wrong.body.errors[0].path, 'sessionId');
  const right = await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ sessionId: session.sessionId }), headers: { 'idempotency-key': 's2' } });
  assert.equal(right.status, 202);
  assert.equal((await h.request('DELETE', `/v1/sessions/${session.sessionId}`, { token: key })).status, 204);
  const ended = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ sessionId: session.sessionId }), headers: { 'idempotency-key': 's3' } }));
  assert.equal(ended.status, 422);
  // A repeated key gets its first answer even after the session ended.
  const replayed = await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ sessionId: session.sessionId }), headers: { 'idempotency-key': 's2' } });
  assert.equal(replayed.status, 202);
});

test("another app's order is 404; a complimentary order needs no payment", async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp('one');
  const otherKey = await h.newApp('two');
  await h.request('PUT', '/v1/offers/free', { token: h.adminToken, body: { name: 'Free', rateCode: 'DIGITAL-MONTHLY', price: 0 } });
  const body = purchaseBody({ items: [{ offerId: 'free' }] });
  delete body.payment;
  const placed = await json(await h.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': 'free' } }));
  assert.equal(placed.status, 202);
  assert.equal((await h.request('GET', `/v1/orders/${placed.body.orderId}`, { token: otherKey })).status, 404);
  assert.equal((await h.request('GET', `/v1/orders/${placed.body.orderId}`, { token: key })).status, 200);
});

test('processSync past its deadline answers 202 as split mode; the same key while the first runs is 409', async (t) => {
  const h = await createHttpWorld(t, { processSyncDeadlineMs: 60 });
  const key = await h.newApp('slow', { processSync: true });
  h.world.sims.controls.setLatency(15);
  const post = () => h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'slow' } });
  const first = post();
  // The second comes once the first holds the key, whatever the machine's speed.
  while (!h.world.store.getIdempotencyRecord('slow', 'slow')) await new Promise((resolve) => setTimeout(resolve, 1));
  const meanwhile = await json(await post());
  assert.equal(meanwhile.status, 409);
  assert.equal(meanwhile.body.type, '/problems/idempotency-in-flight');
  const answer = await json(await first);
  assert.equal(answer.status, 202);
  assert.equal(answer.body.status, 'provisioning');
  assert.deepEqual(await json(await post()), answer, 'then the first answer is replayed');
});

test('processSync 502: each failed item carries an errorMessage that names the cause', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp('sync', { processSync: true });
  const body = purchaseBody({ subscriber: { firstName: 'Jo', lastName: "Doe's", email: 'doe@example.com' }, items: [{ offerId: 'daily-digital' }, { offerId: 'weekend' }] });
  const failed = await json(await h.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': 'bad' } }));
  assert.equal(failed.status, 502);
  assert.equal(failed.type, 'application/problem+json');
  assert.equal(failed.body.items.length, 2);
  for (const item of failed.body.items) {
    assert.equal(item.status, 'failed');
    assert.equal(item.failedStep, 'CREATESUBSCRIBER');
    assert.match(item.errorMessage, /lastName.*'/, 'the message names the field and the character');
  }
});

test('while an item is in progress the order has no accountNumber, only the temporary one, which stays once the permanent one comes', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  assert.equal((await h.request('POST', '/v1/sim/circulation/outage', { token: h.adminToken, body: { on: true } })).status, 200);
  const placed = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'held' } }));
  assert.equal(placed.status, 202);
  const during = (await json(await h.request('GET', `/v1/orders/${placed.body.orderId}`, { token: key }))).body.items[0];
  assert.equal(during.status, 'in_progress');
  assert.equal(during.currentStep, 'FINDADDRESSOCCUPANT', 'held before ADDSUBSCRIPTION');
  assert.ok(!('accountNumber' in during), JSON.stringify(during));
  assert.equal(during.temporaryAccountNumber, placed.body.items[0].temporaryAccountNumber);
  assert.equal((await h.request('POST', '/v1/sim/circulation/outage', { token: h.adminToken, body: { on: false } })).status, 200);
  await h.world.settled(during.itemId);
  const after = (await json(await h.request('GET', `/v1/orders/${placed.body.orderId}`, { token: key }))).body.items[0];
  assert.match(after.accountNumber, /^\d+$/);
  assert.equal(after.temporaryAccountNumber, during.temporaryAccountNumber);
});

test('an Idempotency-Key of 255 printable characters is accepted; 256 characters or a control character is 400', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const post = (idempotencyKey: string) => h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': idempotencyKey } });
  for (const refused of ['k'.repeat(256), 'order\t1', 'order\u00011']) {
    const answer = await json(await post(refused));
    assert.equal(answer.status, 400, JSON.stringify(refused.slice(0, 10)));
    assert.equal(answer.type, 'application/problem+json');
    assert.match(answer.body.detail, /Idempotency-Key/);
  }
  assert.equal((await post('k'.repeat(255))).status, 202);
});

test('a purchase whose body is not application/json is 415 problem+json and keeps nothing', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const body = JSON.stringify(purchaseBody());
  const plain = await json(await h.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': 'typed', 'content-type': 'text/plain' } }));
  assert.equal(plain.status, 415);
  assert.equal(plain.type, 'application/problem+json');
  assert.equal(plain.body.type, '/problems/unsupported-media-type');
  assert.equal((await h.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': 'typed' } })).status, 202, 'the key is still free');
});
