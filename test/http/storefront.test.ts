// Storefront endpoints in-process (API.md "Storefront", SPEC §5): the notification center and its
// stream, the subscription detail and its stream, cancel, and logout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld, type HttpWorld } from '../helpers/httpWorld.ts';
import { shop } from '../helpers/shop.ts';
import { purchaseBody } from '../helpers/world.ts';
import { readSse, type SseMessage } from '../helpers/sse.ts';
import { customerKey } from '../../src/engine/index.ts';

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });


test('the notification center starts empty, lists each item of the session, and counts finished ones in the badge', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  assert.deepEqual((await json(await h.request('GET', '/v1/notifications', { token: session.sessionToken }))).body, { badge: 0, items: [] });
  const done = await buy();
  await h.world.settled(done);
  const failed = await buy({ subscriber: { firstName: 'Jo', lastName: "Doe's", email: 'jo@example.com' } });
  await h.world.settled(failed);
  const center = (await json(await h.request('GET', '/v1/notifications', { token: session.sessionToken }))).body;
  assert.equal(center.badge, 2);
  assert.deepEqual(
    center.items.map((e: { itemId: string; status: string }) => [e.itemId, e.status]),
    [[failed, 'failed'], [done, 'complete']],
  );
  assert.match(center.items[0].detailUrl, new RegExp(failed));
  assert.match(center.items[0].errorMessage, /lastName/);
  assert.equal(center.items[1].name, 'Daily Digital');
});

test('the notification stream sends the center on connect, then every change; a reconnect with Last-Event-ID gets what it missed, once', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  const first = readSse(await h.request('GET', `/v1/notifications/stream?token=${session.sessionToken}`));
  const snapshot = await first.next();
  assert.equal(snapshot?.event, 'snapshot');
  assert.deepEqual(snapshot?.data, { badge: 0, items: [] });
  assert.ok(snapshot?.id);
  const itemId = await buy();
  const progress = await first.next();
  assert.equal(progress?.event, 'item');
  assert.deepEqual(progress?.data, { itemId, name: 'Daily Digital', status: 'in_progress', badge: 0 });
  await h.world.settled(itemId);
  const complete = await first.next();
  assert.deepEqual(complete?.data, { itemId, name: 'Daily Digital', status: 'complete', badge: 1 });
  assert.ok(Number(complete?.id) > Number(progress?.id));
  await first.close();

  // Missed while away: a second item, start to end.
  const second = await buy();
  await h.world.settled(second);
  const again = readSse(await h.request('GET', '/v1/notifications/stream', { token: session.sessionToken, headers: { 'last-event-id': complete!.id! } }));
  const missed = [await again.next(), await again.next()];
  assert.deepEqual(missed.map((m) => [m?.data.itemId, m?.data.status, m?.data.badge]), [[second, 'in_progress', 1], [second, 'complete', 2]]);
  await assert.rejects(again.next(300), /no SSE message/, 'nothing twice, nothing more');
  assert.ok(again.comments > 0, 'heartbeat comments keep the stream open');
  await again.close();
});

test('the subscription detail shows ribbon and progress; its stream ends after the final status', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  h.world.sims.controls.setLatency(5);
  const itemId = await buy();
  const stream = readSse(await h.request('GET', `/v1/subscriptions/${itemId}/stream?token=${session.sessionToken}`));
  const statuses: string[] = [];
  for (let message = await stream.next(); message; message = await stream.next()) {
    assert.equal(message.event, 'status');
    assert.ok(message.id);
    statuses.push(message.data.status);
  }
  assert.equal(statuses[0], 'in_progress');
  assert.equal(statuses.at(-1), 'complete');
  const detail = (await json(await h.request('GET', `/v1/subscriptions/${itemId}`, { token: session.sessionToken }))).body;
  assert.equal(detail.status, 'complete');
  assert.deepEqual(detail.progress, { done: 12, total: 12 });
  assert.equal(detail.ribbon.status, 'complete');
  assert.match(detail.accountNumber, /^\d+$/);
});

test("cancel: 409 while in progress, 200 once complete, 409 again; another customer's item is 404", async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy, key } = await shop(h);
  h.world.sims.controls.setLatency(20);
  const itemId = await buy();
  assert.equal((await h.request('POST', `/v1/subscriptions/${itemId}/cancel`, { token: session.sessionToken })).status, 409);
  h.world.sims.controls.setLatency(0);
  await h.world.settled(itemId);
  const cancelled = await json(await h.request('POST', `/v1/subscriptions/${itemId}/cancel`, { token: session.sessionToken }));
  assert.equal(cancelled.status, 200);
  assert.equal(cancelled.body.status, 'cancelled');
  assert.equal((await h.request('POST', `/v1/subscriptions/${itemId}/cancel`, { token: session.sessionToken })).status, 409);
  const other = (await json(await h.request('POST', '/v1/sessions', { token: key, body: { customerId: 'someone-else' } }))).body;
  assert.equal((await h.request('GET', `/v1/subscriptions/${itemId}`, { token: other.sessionToken })).status, 404);
  assert.equal((await h.request('POST', `/v1/subscriptions/${itemId}/cancel`, { token: other.sessionToken })).status, 404);
});

test('logout ends the session: its streams end and its token is 401', async (t) => {
  const h = await createHttpWorld(t);
  const { session, key } = await shop(h);
  const stream = readSse(await h.request('GET', `/v1/notifications/stream?token=${session.sessionToken}`));
  assert.equal((await stream.next())?.event, 'snapshot');
  assert.equal((await h.request('DELETE', `/v1/sessions/${session.sessionId}`, { token: key })).status, 204);
  assert.equal(await stream.next(), null, 'the stream ended');
  assert.equal((await h.request('GET', '/v1/notifications', { token: session.sessionToken })).status, 401);
  assert.equal((await h.request('DELETE', `/v1/sessions/${session.sessionId}`, { token: key })).status, 404);
});

test('issue-review-3: the center reads every page of a long log (more than 1,000 entries)', async (t) => {
  const h = await createHttpWorld(t);
  const { session } = await shop(h);
  const notifications = Array.from({ length: 1_100 }, (_, i) => ({
    customerKey: customerKey('store', 'cust-1'),
    itemId: `item-${i}`,
    name: 'Daily Digital',
    kind: 'subscription' as const,
    status: 'complete' as const,
    errorMessage: null,
    at: new Date().toISOString(),
  }));
  await h.world.store.commit({ notifications });
  const center = (await json(await h.request('GET', '/v1/notifications', { token: session.sessionToken }))).body;
  assert.equal(center.items.length, 1_100);
  assert.equal(center.badge, 1_100);
});

test('a reconnect to an item stream with the id of the current status does not get that message again', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  await h.world.sims.controls.setOutage(true); // holds the item at FINDADDRESSOCCUPANT
  const itemId = await buy();
  const first = readSse(await h.request('GET', `/v1/subscriptions/${itemId}/stream`, { token: session.sessionToken }));
  const seen = await first.next();
  assert.equal(seen?.data.status, 'in_progress');
  await first.close();
  const again = readSse(await h.request('GET', `/v1/subscriptions/${itemId}/stream`, { token: session.sessionToken, headers: { 'last-event-id': seen!.id! } }));
  await h.world.sims.controls.setOutage(false);
  const ids: string[] = [];
  for (let message = await again.next(); message; message = await again.next()) ids.push(message.id!);
  assert.notEqual(ids[0], seen!.id, 'nothing twice');
  assert.equal(new Set(ids).size, ids.length, 'no message twice');
  assert.equal(ids.at(-1), 'complete.12');
});

test('a reconnect to a finished item gets its final status, or 204 once that was seen; a stream opened during shutdown is 503', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  const itemId = await buy();
  await h.world.settled(itemId);
  // A shopper who dropped mid-provisioning gets the final status on reconnect, then the stream ends.
  const dropped = readSse(await h.request('GET', `/v1/subscriptions/${itemId}/stream`, { token: session.sessionToken, headers: { 'last-event-id': 'in_progress.3' } }));
  const final = await dropped.next();
  assert.equal(final?.data.status, 'complete');
  assert.equal(await dropped.next(), null);
  // One who saw the final message is told nothing more will come.
  const again = await h.request('GET', `/v1/subscriptions/${itemId}/stream`, { token: session.sessionToken, headers: { 'last-event-id': final!.id! } });
  assert.equal(again.status, 204);
  // EventSource polyfills send the id as a query parameter instead.
  const polyfill = await h.request('GET', `/v1/subscriptions/${itemId}/stream?token=${session.sessionToken}&lastEventId=${encodeURIComponent(final!.id!)}`);
  assert.equal(polyfill.status, 204);
  assert.equal((await h.request('GET', `/v1/subscriptions/${itemId}?token=${session.sessionToken}`)).status, 401, 'only the streams take ?token=');
  await h.app.endStreams();
  const late = await h.request('GET', `/v1/notifications/stream?token=${session.sessionToken}`);
  assert.equal(late.status, 503);
  assert.equal(late.headers.get('connection'), 'close');
});

test('every open stream shares one bus listener, which goes once the last stream ends', async (t) => {
  const h = await createHttpWorld(t);
  const bus = h.world.engine.bus;
  const a = await shop(h, 'cust-a', 'store-a');
  const b = await shop(h, 'cust-b', 'store-b');
  const itemId = await a.buy();
  await h.world.settled(itemId);
  assert.equal(bus.listenerCount('item'), 0, 'no stream, no listener');
  const streams = [
    readSse(await h.request('GET', `/v1/notifications/stream?token=${a.session.sessionToken}`)),
    readSse(await h.request('GET', `/v1/notifications/stream?token=${b.session.sessionToken}`)),
    readSse(await h.request('GET', `/v1/notifications/stream?token=${a.session.sessionToken}`)),
  ];
  for (const stream of streams) assert.equal((await stream.next())?.event, 'snapshot');
  assert.equal(bus.listenerCount('item'), 1);
  // B's streams hear B's items; A's second stream still hears A's.
  const bItem = await b.buy();
  assert.deepEqual((await streams[1].next())?.data, { itemId: bItem, name: 'Daily Digital', status: 'in_progress', badge: 0 });
  await h.world.settled(bItem);
  assert.deepEqual((await streams[1].next())?.data, { itemId: bItem, name: 'Daily Digital', status: 'complete', badge: 1 });
  const aItem = await a.buy();
  assert.deepEqual((await streams[2].next())?.data, { itemId: aItem, name: 'Daily Digital', status: 'in_progress', badge: 1 });
  assert.equal(bus.listenerCount('item'), 1);
  assert.equal((await h.request('DELETE', `/v1/sessions/${a.session.sessionId}`, { token: a.key })).status, 204);
  assert.equal((await h.request('DELETE', `/v1/sessions/${b.session.sessionId}`, { token: b.key })).status, 204);
  for (const stream of streams) while ((await stream.next()) !== null);
  for (let i = 0; i < 50 && bus.listenerCount('item') > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(bus.listenerCount('item'), 0, 'the last stream took the listener with it');
});

test('a closed item: its ribbon says customer service closed it, and whether a subscription had been made', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  const early = await buy({ subscriber: { firstName: 'Jo', lastName: "Doe's", email: 'jo@example.com' } });
  const late = await buy({ payment: { gateway: 'payway', token: 'tok_capture_fail' } });
  for (const itemId of [early, late]) {
    const failed = await h.world.settled(itemId);
    await h.world.engine.closeStart(failed.startEventId!, 'csr');
    await h.world.settled(itemId);
  }
  const ribbon = async (itemId: string) => (await json(await h.request('GET', `/v1/subscriptions/${itemId}`, { token: session.sessionToken }))).body.ribbon;
  assert.deepEqual(await ribbon(early), { status: 'closed', message: 'Customer service closed this start; no subscription was created.' });
  assert.deepEqual(await ribbon(late), { status: 'closed', message: 'Customer service closed this start; its subscription was stopped.' });
  // The notification center shows a closed item as failed, with why, and counts it in the badge.
  const center = (await json(await h.request('GET', '/v1/notifications', { token: session.sessionToken }))).body;
  assert.equal(center.badge, 2);
  for (const itemId of [early, late]) {
    const entry = center.items.find((i: { itemId: string }) => i.itemId === itemId);
    assert.equal(entry.status, 'failed');
    assert.match(entry.errorMessage, /^Customer service closed this start/);
  }
});

/**
 * Polls the session's notification center until `done` holds of it (the log is written as items
 * change). The cap only ends a wait that would never end, with a message, long before the
 * runner's timeout; it asserts nothing about speed.
 */
async function centerWhen(h: HttpWorld, token: string, done: (center: { badge: number; items: Array<{ itemId: string; status: string }> }) => boolean) {
  for (let polls = 0; polls < 10_000; polls++) {
    const center = (await json(await h.request('GET', '/v1/notifications', { token }))).body;
    if (done(center)) return center;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the notification center never reached the expected state');
}

const statusOf = (center: { items: Array<{ itemId: string; status: string }> }, itemId: string) => center.items.find((e) => e.itemId === itemId)?.status;

test('a second session of a customer who has items starts empty; a later status change of one of them appears in it', async (t) => {
  const h = await createHttpWorld(t);
  const { key, session, buy } = await shop(h);
  const done = await buy();
  await h.world.settled(done);
  await h.world.sims.controls.setOutage(true); // holds the next item in progress
  const held = await buy();
  await centerWhen(h, session.sessionToken, (c) => statusOf(c, done) === 'complete' && statusOf(c, held) === 'in_progress');

  const second = (await json(await h.request('POST', '/v1/sessions', { token: key, body: { customerId: 'cust-1' } }))).body;
  assert.deepEqual((await json(await h.request('GET', '/v1/notifications', { token: second.sessionToken }))).body, { badge: 0, items: [] });
  const stream = readSse(await h.request('GET', `/v1/notifications/stream?token=${second.sessionToken}`));
  assert.deepEqual((await stream.next())?.data, { badge: 0, items: [] }, 'the snapshot is empty too');

  await h.world.sims.controls.setOutage(false);
  await h.world.settled(held);
  assert.deepEqual((await stream.next())?.data, { itemId: held, name: 'Daily Digital', status: 'complete', badge: 1 });
  const center = (await json(await h.request('GET', '/v1/notifications', { token: second.sessionToken }))).body;
  assert.equal(center.badge, 1);
  assert.deepEqual(center.items.map((e: { itemId: string; status: string }) => [e.itemId, e.status]), [[held, 'complete']]);
  await stream.close();
});

test("items of the customer bought outside the session show in it when their status changes; a change made before it opened does not", async (t) => {
  const h = await createHttpWorld(t);
  const { key, session: elsewhere, buy } = await shop(h);
  // Before the session opens: a start that failed and was closed, and an item held in progress.
  const closed = await buy({ subscriber: { firstName: 'Jo', lastName: "Doe's", email: 'jo@example.com' } });
  await h.world.engine.closeStart((await h.world.settled(closed)).startEventId!, 'csr');
  await h.world.settled(closed);
  await h.world.sims.controls.setOutage(true);
  const held = await buy();
  await centerWhen(h, elsewhere.sessionToken, (c) => statusOf(c, closed) === 'failed' && statusOf(c, held) === 'in_progress');

  const mine = (await json(await h.request('POST', '/v1/sessions', { token: key, body: { customerId: 'cust-1' } }))).body;
  // While it is open: a purchase without a session, and one through the other session.
  const direct = await json(await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody(), headers: { 'idempotency-key': 'no-session' } }));
  assert.equal(direct.status, 202);
  const outside = direct.body.items[0].itemId as string;
  const other = await buy();
  await h.world.sims.controls.setOutage(false);
  for (const itemId of [held, outside, other]) await h.world.settled(itemId);

  const center = await centerWhen(h, mine.sessionToken, (c) => c.badge === 3);
  assert.deepEqual(
    center.items.map((e: { itemId: string; status: string }) => [e.itemId, e.status]).sort(),
    [[held, 'complete'], [outside, 'complete'], [other, 'complete']].sort(),
    'the closed start, finished before the session opened, is not in it',
  );
});

test("a failed item: its stream ends after the failed status, its ribbon and errorMessage say why; after a close a reconnect gets closed and ends", async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  h.world.sims.controls.setLatency(5);
  const itemId = await buy({ subscriber: { firstName: 'Jo', lastName: "Doe's", email: 'jo@example.com' } });
  const stream = readSse(await h.request('GET', `/v1/subscriptions/${itemId}/stream?token=${session.sessionToken}`));
  let last: SseMessage | undefined;
  for (let message = await stream.next(); message; message = await stream.next()) last = message;
  assert.ok(last);
  assert.equal(last.data.status, 'failed', 'the stream ended after the failed status');
  assert.equal(last.data.currentStep, 'CREATESUBSCRIBER');
  assert.match(last.data.errorMessage, /lastName/);

  const detail = (await json(await h.request('GET', `/v1/subscriptions/${itemId}`, { token: session.sessionToken }))).body;
  assert.equal(detail.status, 'failed');
  assert.match(detail.errorMessage, /lastName.*'/, 'the message names the field and the character');
  assert.deepEqual(detail.ribbon, { status: 'failed', message: detail.errorMessage });
  assert.equal(detail.accountNumber, undefined);

  await h.world.engine.closeStart((await h.world.settled(itemId)).startEventId!, 'csr');
  await h.world.settled(itemId);
  const again = readSse(await h.request('GET', `/v1/subscriptions/${itemId}/stream`, { token: session.sessionToken, headers: { 'last-event-id': last.id! } }));
  assert.equal((await again.next())?.data.status, 'closed');
  assert.equal(await again.next(), null, 'the stream ended after the closed status');
});

test('cancel is 409 for a failed and for a closed item, and changes neither', async (t) => {
  // A short deadline: a cancel wrongly let through would wait for a stop that never comes.
  const h = await createHttpWorld(t, { cancelDeadlineMs: 2_000 });
  const { session, buy } = await shop(h);
  const failed = await buy({ subscriber: { firstName: 'Jo', lastName: "Doe's", email: 'jo@example.com' } });
  const closed = await buy({ subscriber: { firstName: 'Ann', lastName: "O'Neil", email: 'ann@example.com' } });
  await h.world.settled(failed);
  await h.world.engine.closeStart((await h.world.settled(closed)).startEventId!, 'csr');
  await h.world.settled(closed);
  for (const [itemId, status] of [[failed, 'failed'], [closed, 'closed']]) {
    const refused = await h.request('POST', `/v1/subscriptions/${itemId}/cancel`, { token: session.sessionToken });
    assert.equal(refused.status, 409, `cancel of a ${status} item`);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.equal((await json(await h.request('GET', `/v1/subscriptions/${itemId}`, { token: session.sessionToken }))).body.status, status);
  }
});

test('cancelling a complete item leaves its notification entry as it was', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  const first = await buy();
  await h.world.settled(first);
  const second = await buy();
  await h.world.settled(second);
  const before = await centerWhen(h, session.sessionToken, (c) => c.badge === 2);
  assert.deepEqual(before.items.map((e: { itemId: string }) => e.itemId), [second, first]);
  const cancelled = await json(await h.request('POST', `/v1/subscriptions/${first}/cancel`, { token: session.sessionToken }));
  assert.equal(cancelled.body.status, 'cancelled');
  assert.deepEqual((await json(await h.request('GET', '/v1/notifications', { token: session.sessionToken }))).body, before, 'same entries, same order');
});

test('while an item is in progress its detail has no accountNumber, only the temporary one, which stays once the permanent one comes', async (t) => {
  const h = await createHttpWorld(t);
  const { session, buy } = await shop(h);
  assert.equal((await h.request('POST', '/v1/sim/circulation/outage', { token: h.adminToken, body: { on: true } })).status, 200);
  const itemId = await buy();
  const during = (await json(await h.request('GET', `/v1/subscriptions/${itemId}`, { token: session.sessionToken }))).body;
  assert.equal(during.status, 'in_progress');
  assert.ok(!('accountNumber' in during), JSON.stringify(during));
  assert.match(during.temporaryAccountNumber, /^T\d+$/);
  assert.equal((await h.request('POST', '/v1/sim/circulation/outage', { token: h.adminToken, body: { on: false } })).status, 200);
  await h.world.settled(itemId);
  const after = (await json(await h.request('GET', `/v1/subscriptions/${itemId}`, { token: session.sessionToken }))).body;
  assert.match(after.accountNumber, /^\d+$/);
  assert.equal(after.temporaryAccountNumber, during.temporaryAccountNumber);
});
