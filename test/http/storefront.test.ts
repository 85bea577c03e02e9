// Storefront endpoints in-process (API.md "Storefront", SPEC §5): the notification center and its
// stream, the subscription detail and its stream, cancel, and logout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpWorld, type HttpWorld } from '../helpers/httpWorld.ts';
import { purchaseBody } from '../helpers/world.ts';
import { readSse } from '../helpers/sse.ts';
import { customerKey } from '../../src/engine/index.ts';

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

async function shop(h: HttpWorld, customerId = 'cust-1', appId = 'store') {
  const key = await h.newApp(appId);
  const session = (await json(await h.request('POST', '/v1/sessions', { token: key, body: { customerId } }))).body as { sessionId: string; sessionToken: string };
  let n = 0;
  const buy = async (overrides: Record<string, unknown> = {}) => {
    const placed = await json(
      await h.request('POST', '/v1/purchases', { token: key, body: purchaseBody({ customerId, sessionId: session.sessionId, ...overrides }), headers: { 'idempotency-key': `${customerId}-${++n}` } }),
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    return placed.body.items[0].itemId as string;
  };
  return { key, session, buy };
}

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
