// Actions that take no body (reprocess, close, cancel, logout) and the SSE routes' query (SPEC §9:
// every request is validated, unknown fields too): nothing or `{}` is taken; a field is a 422
// naming it, and the action is not carried out. A body that is not UTF-8 is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld, type HttpWorld } from '../helpers/httpWorld.ts';
import { purchaseBody } from '../helpers/world.ts';

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

/** A customer with a session, a completed item and a failed start (CREATESUBSCRIBER refuses `Doe's`). */
async function scene(h: HttpWorld) {
  const key = await h.newApp();
  const csr = await h.newOperator('alice', 'csr');
  const session = (await json(await h.request('POST', '/v1/sessions', { token: key, body: { customerId: 'cust-1' } }))).body;
  const buy = async (overrides: Record<string, unknown>, idempotencyKey: string) => {
    const placed = await json(
      await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ sessionId: session.sessionId, ...overrides }), headers: { 'idempotency-key': idempotencyKey } }),
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    await h.world.settled(placed.body.items[0].itemId);
    return placed.body.items[0] as { itemId: string; startEventId: string };
  };
  const complete = await buy({}, 'good');
  const failed = await buy({ subscriber: { firstName: 'John', lastName: "Doe's", email: 'john@example.com' } }, 'bad');
  return { key, csr, session, complete, failed };
}

/** Asserts a 422 problem naming exactly `paths`. */
async function refusedNaming(response: Response, paths: string[]) {
  // The status first: a stream taken by mistake would never end its body.
  assert.equal(response.status, 422);
  const body = (await response.json()) as { errors: Array<{ path: string }> };
  assert.deepEqual(body.errors.map((e) => e.path), paths);
}

test('reprocess, close, cancel and logout refuse a body with a field, naming it, and do nothing', async (t) => {
  const h = await createHttpWorld(t);
  const { key, csr, session, complete, failed } = await scene(h);
  const extra = { reason: 'the customer asked' };
  await refusedNaming(await h.request('POST', `/v1/events/${failed.startEventId}/reprocess`, { token: csr, body: extra }), ['reason']);
  await refusedNaming(await h.request('POST', `/v1/events/${failed.startEventId}/close`, { token: csr, body: extra }), ['reason']);
  const start = await json(await h.request('GET', `/v1/events/${failed.startEventId}`, { token: csr }));
  assert.equal(start.body.status, 3, 'still failed');
  assert.deepEqual(start.body.audit, [], 'no action was recorded');
  await refusedNaming(await h.request('POST', `/v1/subscriptions/${complete.itemId}/cancel`, { token: session.sessionToken, body: extra }), ['reason']);
  assert.equal((await json(await h.request('GET', `/v1/subscriptions/${complete.itemId}`, { token: session.sessionToken }))).body.status, 'complete');
  await refusedNaming(await h.request('DELETE', `/v1/sessions/${session.sessionId}`, { token: key, body: extra }), ['reason']);
  assert.equal((await h.request('GET', '/v1/notifications', { token: session.sessionToken })).status, 200, 'the session is still open');
});

test('reprocess, close, cancel and logout take no body or an empty object', async (t) => {
  const h = await createHttpWorld(t);
  const { key, csr, session, complete, failed } = await scene(h);
  await h.request('PATCH', `/v1/events/${failed.startEventId}`, { token: csr, body: { subscriber: { lastName: 'Doe' } } });
  assert.equal((await h.request('POST', `/v1/events/${failed.startEventId}/reprocess`, { token: csr, body: {} })).status, 202);
  // Clients and forms send a content type over an empty body too: that is no body, whatever the type.
  const cancel = await h.request('POST', `/v1/subscriptions/${complete.itemId}/cancel`, { token: session.sessionToken, headers: { 'content-type': 'application/json' } });
  assert.equal(cancel.status, 200);
  const logout = await h.request('DELETE', `/v1/sessions/${session.sessionId}`, { token: key, body: ' ', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
  assert.equal(logout.status, 204);
});

test('close takes an empty form body, and logout an empty object', async (t) => {
  const h = await createHttpWorld(t);
  const { key, csr, session, failed } = await scene(h);
  // Whatever its charset: there is nothing to decode.
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' };
  assert.equal((await h.request('POST', `/v1/events/${failed.startEventId}/close`, { token: csr, body: '', headers: form })).status, 200);
  assert.equal((await h.request('DELETE', `/v1/sessions/${session.sessionId}`, { token: key, body: {} })).status, 204);
});

test('an empty body where one is needed is a 422 naming the missing fields, not malformed JSON', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  await refusedNaming(await h.request('POST', '/v1/sessions', { token: key, headers: { 'content-type': 'application/json' }, body: '' }), ['customerId']);
  const malformed = await h.request('POST', '/v1/sessions', { token: key, body: '{"customerId":' });
  assert.equal(malformed.status, 400, 'a body that is not JSON stays a bad request');
});

test('a notification or item stream with an unknown query parameter is a 422 naming it', async (t) => {
  const h = await createHttpWorld(t);
  const { session, complete } = await scene(h);
  const token = encodeURIComponent(session.sessionToken);
  await refusedNaming(await h.request('GET', `/v1/notifications/stream?token=${token}&since=0`), ['since']);
  await refusedNaming(await h.request('GET', `/v1/subscriptions/${complete.itemId}/stream?token=${token}&since=0`), ['since']);
});

test('a body is UTF-8: another charset is 415, bytes that are not UTF-8 are 400, and neither changes anything', async (t) => {
  const h = await createHttpWorld(t);
  const put = (type: string, body: Uint8Array) =>
    h.app.hono.request('/v1/offers/latin', { method: 'PUT', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': type }, body });
  const latin1 = Uint8Array.from([...'{"name":"Caf', 0xe9, ...'","rateCode":"R","price":1}'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0))));
  const declared = await put('application/json; charset=iso-8859-1', latin1);
  assert.deepEqual([declared.status, declared.headers.get('content-type')], [415, 'application/problem+json']);
  assert.equal((await put('application/json', latin1)).status, 400);
  assert.equal(h.world.store.getOffer('latin'), undefined);
  const utf8 = await put('application/json; charset="UTF-8"', new TextEncoder().encode('{"name":"Café","rateCode":"R","price":1}'));
  assert.equal(utf8.status, 201);
  assert.equal(h.world.store.getOffer('latin')?.name, 'Café');
  // `utf8`, as some clients spell it, is UTF-8 too.
  assert.equal((await put('application/json;charset=utf8', new TextEncoder().encode('{"name":"Café 2","rateCode":"R","price":1}'))).status, 200);
  assert.equal(h.world.store.getOffer('latin')?.name, 'Café 2');
});
