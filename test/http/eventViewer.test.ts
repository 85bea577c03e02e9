// Event Viewer endpoints in-process (API.md "Event Viewer", SPEC §6): list, detail, update,
// reprocess, close, and their refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld, type HttpWorld } from '../helpers/httpWorld.ts';
import { purchaseBody } from '../helpers/world.ts';

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

async function failedStart(h: HttpWorld, key: string, body: Record<string, unknown>, idempotencyKey: string) {
  const placed = await json(await h.request('POST', '/v1/purchases', { token: key, body, headers: { 'idempotency-key': idempotencyKey } }));
  assert.equal(placed.status, 202);
  const item = await h.world.settled(placed.body.items[0].itemId);
  assert.equal(item.status, 'failed');
  return placed.body.items[0] as { itemId: string; startEventId: string; temporaryAccountNumber: string };
}

test("the seed scenario over HTTP: list the failed start, see its detail, fix the last name, reprocess, it completes", async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const csr = await h.newOperator('alice', 'csr');
  const { itemId, startEventId, temporaryAccountNumber } = await failedStart(h, key, purchaseBody({ subscriber: { firstName: 'John', lastName: "Doe's", email: 'john@example.com' } }), 'doe');

  const list = await json(await h.request('GET', '/v1/events', { token: csr }));
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((e: { eventId: string }) => e.eventId), [startEventId], 'status defaults to failed, type to STARTSTD');
  assert.equal(list.body.items[0].accountNumber, temporaryAccountNumber);
  assert.match(list.body.items[0].errorMessage, /lastName/);
  const byText = await json(await h.request('GET', `/v1/events?q=${encodeURIComponent('LASTNAME')}&app=store&accountNumber=${temporaryAccountNumber}`, { token: csr }));
  assert.equal(byText.body.items.length, 1);
  assert.equal((await json(await h.request('GET', '/v1/events?app=other', { token: csr }))).body.items.length, 0);

  const detail = await json(await h.request('GET', `/v1/events/${startEventId}`, { token: csr }));
  assert.equal(detail.status, 200);
  assert.equal(detail.body.data.subscriber.lastName, "Doe's");
  assert.equal(detail.body.children.find((e: { typeName: string }) => e.typeName === 'CREATESUBSCRIBER').status, 3);
  assert.ok(detail.body.state.CREATESUBSCRIBER, 'the chart state names the failed step');
  assert.equal(detail.body.authorizedAmount, 999);
  assert.equal(detail.body.offer.rateCode, 'DIGITAL-MONTHLY');

  const updated = await json(await h.request('PATCH', `/v1/events/${startEventId}`, { token: csr, body: { subscriber: { lastName: 'Doe' } } }));
  assert.equal(updated.status, 200);
  assert.equal(updated.body.data.subscriber.lastName, 'Doe');
  const reprocessed = await json(await h.request('POST', `/v1/events/${startEventId}/reprocess`, { token: csr }));
  assert.equal(reprocessed.status, 202);
  assert.deepEqual(Object.keys(reprocessed.body).sort(), ['eventId', 'itemId', 'status']);
  assert.equal(reprocessed.body.itemId, itemId);
  assert.equal((await h.world.settled(itemId)).status, 'complete');

  const child = detail.body.children.find((e: { typeName: string }) => e.typeName === 'CREATESUBSCRIBER');
  const childDetail = await json(await h.request('GET', `/v1/events/${child.eventId}`, { token: csr }));
  assert.equal(childDetail.status, 200);
  assert.equal(childDetail.body.parentEventId, startEventId);
  assert.equal(childDetail.body.data.lastName, "Doe's", 'a child event shows the request it was called with');
  assert.deepEqual(childDetail.body.children, []);
  const after = await json(await h.request('GET', `/v1/events/${startEventId}`, { token: csr }));
  assert.equal(after.body.status, 2);
  assert.deepEqual(after.body.audit.map((a: { operator: string; action: string }) => `${a.operator}:${a.action}`), ['alice:update', 'alice:reprocess']);
  const childAfter = await json(await h.request('GET', `/v1/events/${child.eventId}`, { token: csr }));
  assert.equal(childAfter.body.status, 11, 'the failed event became reprocessed');
  assert.equal(childAfter.body.audit.length, 2, "a child shows its start's audit trail");
  assert.equal((await h.request('POST', `/v1/events/${startEventId}/reprocess`, { token: csr })).status, 409, 'not failed any more');
});

test('an update with a field a CSR may not change is 422 naming it, and changes nothing', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const csr = await h.newOperator('alice', 'csr');
  const { startEventId } = await failedStart(h, key, purchaseBody({ subscriber: { firstName: 'John', lastName: "Doe's", email: 'j@example.com' } }), 'x');
  const bad = await json(await h.request('PATCH', `/v1/events/${startEventId}`, { token: csr, body: { subscriber: { lastName: 'Doe' }, deliveryAddress: { country: 'CA' }, payment: {} } }));
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['deliveryAddress.country', 'payment']);
  const detail = await json(await h.request('GET', `/v1/events/${startEventId}`, { token: csr }));
  assert.equal(detail.body.data.subscriber.lastName, "Doe's");
  assert.deepEqual(detail.body.audit, []);
});

test('an edited address that is undeliverable is 422 naming the field, and changes nothing', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const csr = await h.newOperator('alice', 'csr');
  const { startEventId } = await failedStart(h, key, purchaseBody({ subscriber: { firstName: 'John', lastName: "Doe's", email: 'j@example.com' } }), 'addr');
  const bad = await json(await h.request('PATCH', `/v1/events/${startEventId}`, { token: csr, body: { deliveryAddress: { postalCode: '00000' } } }));
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path), ['deliveryAddress.postalCode']);
  const detail = await json(await h.request('GET', `/v1/events/${startEventId}`, { token: csr }));
  assert.equal(detail.body.data.deliveryAddress.postalCode, '12345');
  assert.deepEqual(detail.body.audit, []);
});

test('close before capture: 200 with status 9, then reprocess and a second close are 409; unknown ids 404', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const csr = await h.newOperator('bob', 'csr');
  const { itemId, startEventId } = await failedStart(h, key, purchaseBody({ subscriber: { firstName: 'Ann', lastName: "O'Neil", email: 'ann@example.com' } }), 'close');
  const closed = await json(await h.request('POST', `/v1/events/${startEventId}/close`, { token: csr }));
  assert.equal(closed.status, 200);
  assert.equal(closed.body.status, 9);
  await h.world.settled(itemId);
  assert.ok(h.world.sims.controls.ledger({ itemId }).some((e) => e.operation === 'void'));
  assert.equal((await h.request('POST', `/v1/events/${startEventId}/reprocess`, { token: csr })).status, 409);
  assert.equal((await h.request('POST', `/v1/events/${startEventId}/close`, { token: csr })).status, 409);
  assert.equal((await h.request('GET', '/v1/events/nope', { token: csr })).status, 404);
  assert.equal((await h.request('POST', '/v1/events/nope/close', { token: csr })).status, 404);
});

test('toggles: a type whose view toggle is off lists nothing; allowResubmit off refuses reprocess with 409', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const csr = await h.newOperator('cy', 'csr');
  const { startEventId } = await failedStart(h, key, purchaseBody({ subscriber: { firstName: 'Al', lastName: "D'Arc", email: 'al@example.com' } }), 't');
  await h.request('PATCH', '/v1/event-types/3', { token: h.adminToken, body: { viewInEventViewer: false, allowResubmit: false } });
  assert.deepEqual((await json(await h.request('GET', '/v1/events', { token: csr }))).body, { items: [], nextCursor: null });
  assert.equal((await h.request('POST', `/v1/events/${startEventId}/reprocess`, { token: csr })).status, 409);
  const failedChildren = await json(await h.request('GET', '/v1/events?type=1103&status=3', { token: csr }));
  assert.equal(failedChildren.status, 200, JSON.stringify(failedChildren.body));
  assert.equal(failedChildren.body.items.length, 1, 'other types are listed by type');
});

test('list filters are validated: a bad type, status, time or limit is 422 naming it; pages follow the cursor', async (t) => {
  const h = await createHttpWorld(t);
  const csr = await h.newOperator('dee', 'csr');
  const bad = await json(await h.request('GET', '/v1/events?type=42&status=7&from=yesterday&limit=501&colour=red', { token: csr }));
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['colour', 'from', 'limit', 'status', 'type']);
  // Numbers are whole numbers written plainly, not any text JavaScript can read as one.
  const loose = await json(await h.request('GET', '/v1/events?type=0x3&status=2.0&limit=1e2', { token: csr }));
  assert.deepEqual(loose.body.errors.map((e: { path: string }) => e.path).sort(), ['limit', 'status', 'type']);
  // `limit` runs from 1 to 500 (API.md), both ends included.
  assert.equal((await h.request('GET', '/v1/events?limit=500', { token: csr })).status, 200);
  assert.equal((await h.request('GET', '/v1/events?limit=1', { token: csr })).status, 200);
  const zero = await json(await h.request('GET', '/v1/events?limit=0', { token: csr }));
  assert.deepEqual([zero.status, zero.body.errors.map((e: { path: string }) => e.path)], [422, ['limit']]);
  const key = await h.newApp();
  for (const i of [1, 2, 3]) await failedStart(h, key, purchaseBody({ customerId: `c${i}`, subscriber: { firstName: 'X', lastName: "Y'z", email: `x${i}@example.com` } }), `p${i}`);
  const first = await json(await h.request('GET', '/v1/events?limit=2', { token: csr }));
  assert.equal(first.body.items.length, 2);
  const second = await json(await h.request('GET', `/v1/events?limit=2&cursor=${first.body.nextCursor}`, { token: csr }));
  assert.equal(second.body.items.length, 1);
  assert.equal(second.body.nextCursor, null);
  const garbage = await json(await h.request('GET', '/v1/events?cursor=not-a-cursor', { token: csr }));
  assert.equal(garbage.status, 422);
  assert.deepEqual(garbage.body.errors.map((e: { path: string }) => e.path), ['cursor']);
  const appended = await json(await h.request('GET', `/v1/events?limit=2&cursor=${first.body.nextCursor}!!`, { token: csr }));
  assert.equal(appended.status, 422, 'a real cursor with characters added is not one a page gave');
});

test('two CSRs acting at once over HTTP: one wins, the other gets 409', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const alice = await h.newOperator('alice', 'csr');
  const bob = await h.newOperator('bob', 'csr');
  const { startEventId } = await failedStart(h, key, purchaseBody({ subscriber: { firstName: 'Ray', lastName: "O'Hara", email: 'ray@example.com' } }), 'race');
  const [a, b] = await Promise.all([
    h.request('POST', `/v1/events/${startEventId}/close`, { token: alice }),
    h.request('POST', `/v1/events/${startEventId}/close`, { token: bob }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409]);
  const audit = (await json(await h.request('GET', `/v1/events/${startEventId}`, { token: alice }))).body.audit;
  assert.equal(audit.length, 1, 'only the winner is in the audit trail');
});

test('the to filter keeps the starts created up to that time, inclusive', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const csr = await h.newOperator('eve', 'csr');
  const createdAt = async (eventId: string) => (await json(await h.request('GET', `/v1/events/${eventId}`, { token: csr }))).body.createdAt as string;
  const early = await failedStart(h, key, purchaseBody({ customerId: 'c1', subscriber: { firstName: 'X', lastName: "Y'z", email: 'x1@example.com' } }), 'early');
  const earlyAt = await createdAt(early.startEventId);
  // The next start is created in a later millisecond.
  while (Date.now() <= Date.parse(earlyAt)) await new Promise((resolve) => setTimeout(resolve, 1));
  const late = await failedStart(h, key, purchaseBody({ customerId: 'c2', subscriber: { firstName: 'X', lastName: "Y'z", email: 'x2@example.com' } }), 'late');
  const lateAt = await createdAt(late.startEventId);
  assert.ok(lateAt > earlyAt);
  const upTo = async (to: string) => (await json(await h.request('GET', `/v1/events?to=${encodeURIComponent(to)}`, { token: csr }))).body.items.map((e: { eventId: string }) => e.eventId);
  assert.deepEqual(await upTo(lateAt), [late.startEventId, early.startEventId]);
  assert.deepEqual(await upTo(earlyAt), [early.startEventId]);
  assert.deepEqual(await upTo(new Date(Date.parse(earlyAt) - 1).toISOString()), []);
  // Bounds before 1970, offsets included, are times like any other (ULIDs start at 1970).
  assert.deepEqual(await upTo('1970-01-01T00:30:00+01:00'), []);
  const from = (await json(await h.request('GET', `/v1/events?from=${encodeURIComponent('1969-12-31T23:59:59Z')}`, { token: csr }))).body.items;
  assert.deepEqual(from.map((e: { eventId: string }) => e.eventId), [late.startEventId, early.startEventId]);
});

test('a list without limit gives 50 starts and a cursor to the rest', async (t) => {
  const h = await createHttpWorld(t);
  const key = await h.newApp();
  const csr = await h.newOperator('fay', 'csr');
  await Promise.all(
    Array.from({ length: 51 }, (_, i) => failedStart(h, key, purchaseBody({ customerId: `c${i}`, subscriber: { firstName: 'X', lastName: "Y'z", email: `x${i}@example.com` } }), `p${i}`)),
  );
  const first = await json(await h.request('GET', '/v1/events', { token: csr }));
  assert.equal(first.body.items.length, 50);
  assert.ok(first.body.nextCursor);
  const rest = await json(await h.request('GET', `/v1/events?cursor=${first.body.nextCursor}`, { token: csr }));
  assert.equal(rest.body.items.length, 1);
  assert.equal(rest.body.nextCursor, null);
});
