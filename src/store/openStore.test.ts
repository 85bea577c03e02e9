import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { EventRecord, EventStatus } from '../domain/index.ts';
import { open } from 'lmdb';
import { openStore } from './openStore.ts';
import type { EngineStore } from './types.ts';
import { tempDir } from '../../test/helpers/tempDir.ts';

function tempStore(t: TestContext): { dir: string; store: EngineStore; reopen: () => EngineStore } {
  const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  let store = openStore(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    store,
    reopen: () => {
      void store.close();
      store = openStore(dir);
      return store;
    },
  };
}

let n = 0;
function event(overrides: Partial<EventRecord> = {}): EventRecord {
  n += 1;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    eventId: `01KA${String(n).padStart(22, '0')}`,
    typeCode: 3,
    typeName: 'STARTSTD',
    status: 2,
    itemId: `item-${n}`,
    orderId: `order-${n}`,
    appId: 'shop',
    parentEventId: null,
    reprocessOf: null,
    createdAt: at,
    updatedAt: at,
    attempts: 1,
    errorMessage: null,
    errorCategory: null,
    data: {},
    accountNumber: `T${n}`,
    ...overrides,
  };
}

const ids = (events: Array<Omit<EventRecord, 'data'>>) => events.map((e) => e.eventId);

test('lists events by type and status, newest first, and moves a row between statuses', async (t) => {
  const { store } = tempStore(t);
  const a = event();
  const b = event({ status: 3, errorMessage: 'lastName contains "\'"' });
  const child = event({ typeCode: 1103, typeName: 'CREATESUBSCRIBER', parentEventId: a.eventId, status: 1 });
  await store.commit({ events: [a, b, child].map((e) => ({ event: e, previousStatus: null })) });
  assert.deepEqual(ids(store.listEvents({ typeCode: 3, status: 2 }).items), [a.eventId]);
  assert.deepEqual(ids(store.listEvents({ typeCode: 3, status: 3 }).items), [b.eventId]);
  assert.deepEqual(ids(store.listChildEvents(a.eventId)), [child.eventId]);

  await store.commit({ events: [{ event: { ...child, status: 2 }, previousStatus: 1 as EventStatus }] });
  assert.deepEqual(store.listEvents({ typeCode: 1103, status: 1 }).items, [], 'the old status no longer lists it');
  assert.deepEqual(ids(store.listEvents({ typeCode: 1103, status: 2 }).items), [child.eventId]);
  assert.equal(store.getEvent(child.eventId)?.status, 2);
});

test("a child event shows its start's account number: the temporary one until the permanent one replaces it", async (t) => {
  const { store } = tempStore(t);
  const start = event({ status: 1, accountNumber: 'T77' });
  const child = event({ typeCode: 1103, typeName: 'CREATESUBSCRIBER', parentEventId: start.eventId, accountNumber: 'T77' });
  await store.commit({ events: [start, child].map((e) => ({ event: e, previousStatus: null })) });
  assert.equal(store.getEvent(child.eventId)?.accountNumber, 'T77');
  // Only the start is written again when ADDSUBSCRIPTION brings the permanent number.
  await store.commit({ events: [{ event: { ...start, accountNumber: '1000077' }, previousStatus: 1 as EventStatus }] });
  assert.equal(store.getEvent(child.eventId)?.accountNumber, '1000077');
  assert.deepEqual(store.listChildEvents(start.eventId).map((e) => e.accountNumber), ['1000077']);
  assert.deepEqual(store.listEvents({ typeCode: 1103, status: 2 }).items.map((e) => e.accountNumber), ['1000077']);
});

test('events written in the first stored format (one object per row) are moved to the current one on open', async (t) => {
  const dir = tempDir(t, 'store-legacy-');
  const legacy = open({ path: join(dir, 'engine'), maxDbs: 32, compression: false, encoder: { useRecords: false } });
  const options = { compression: false, encoder: { useRecords: false } };
  const { data: _data, ...start } = event({ status: 3, errorMessage: 'lastName contains "\'"' });
  const { data: _childData, ...child } = event({ typeCode: 1103, typeName: 'CREATESUBSCRIBER', parentEventId: start.eventId, status: 3 });
  const rows = legacy.openDB({ name: 'events', ...options });
  const data = legacy.openDB({ name: 'event-data', ...options });
  const index = legacy.openDB({ name: 'event-index', ...options });
  for (const row of [start, child]) rows.putSync(row.eventId, row);
  data.putSync(start.eventId, { subscriber: { lastName: "Doe's" } });
  index.putSync(['s', 3, 3, start.eventId], null);
  index.putSync(['c', start.eventId, child.eventId], null);
  // A build between the two formats wrote the child's newer status in the current format only.
  legacy.openDB({ name: 'event-status', ...options }).putSync(child.eventId, [2, child.updatedAt, 2, null, null, null]);
  await legacy.close();

  let store = openStore(dir);
  assert.deepEqual(store.getEvent(start.eventId), { ...start, data: { subscriber: { lastName: "Doe's" } } });
  assert.deepEqual(ids(store.listEvents({ typeCode: 3, status: 3 }).items), [start.eventId]);
  assert.deepEqual(store.listChildEvents(start.eventId), [
    { ...child, status: 2, attempts: 2, errorMessage: null, errorCategory: null, accountNumber: start.accountNumber, data: null },
  ], 'a newer status record is kept');
  await store.close();
  store = openStore(dir);
  assert.equal(store.getEvent(start.eventId)?.errorMessage, start.errorMessage, 'still there after a second open');
  await store.close();
  assert.deepEqual(legacyTables(dir), [], 'the old tables are dropped');
});

test('a fresh store is not given the tables of the old event format', async (t) => {
  const dir = tempDir(t, 'store-fresh-');
  await openStore(dir).close();
  await openStore(dir).close();
  assert.deepEqual(legacyTables(dir), []);
});

/** Which tables of the first event format a data directory's engine store still has. */
function legacyTables(dir: string): string[] {
  const root = open({ path: join(dir, 'engine'), maxDbs: 32, readOnly: true });
  const absent = { create: false }; // lmdb-js: answer undefined rather than create the table
  try {
    return ['events', 'event-data'].filter((name) => root.openDB({ name, ...absent }) !== undefined);
  } finally {
    void root.close();
  }
}

test('filters by app, error text, account number and creation time', async (t) => {
  const { store } = tempStore(t);
  const mine = event({ status: 3, errorMessage: 'card declined' });
  const other = event({ status: 3, appId: 'kiosk', errorMessage: 'rate code unknown' });
  await store.commit({
    events: [mine, other].map((e) => ({ event: e, previousStatus: null })),
    accountNumbers: [
      { accountNumber: 'T-mine', startEventId: mine.eventId },
      { accountNumber: '1000001', startEventId: mine.eventId },
    ],
  });
  const failed = (query: object) => ids(store.listEvents({ typeCode: 3, status: 3, ...query }).items);
  assert.deepEqual(failed({ appId: 'kiosk' }), [other.eventId]);
  assert.deepEqual(failed({ q: 'DECLINED' }), [mine.eventId]);
  assert.deepEqual(failed({ accountNumber: 'T-mine' }), [mine.eventId]);
  assert.deepEqual(failed({ accountNumber: '1000001' }), [mine.eventId]);
  assert.deepEqual(failed({ accountNumber: 'nope' }), []);
  assert.deepEqual(failed({ from: '2030-01-01T00:00:00Z' }), []);
});

test('journals transitions and returns, for each unfinished item, its snapshot and the events after it', async (t) => {
  const { reopen } = tempStore(t);
  let store = reopen();
  await store.commit({ states: [{ itemId: 'a', shard: 0, snapshot: { v: 'a0' }, unfinished: true }] });
  await store.commit({
    states: [
      { itemId: 'a', shard: 0, event: { e: 'a1' } },
      { itemId: 'b', shard: 0, snapshot: { v: 'b0' }, unfinished: true },
      { itemId: 'a', shard: 0, event: { e: 'a2' } },
      { itemId: 'b', shard: 0, event: { e: 'b1' }, snapshot: { v: 'b1' } },
      { itemId: 'b', shard: 0, event: { e: 'b2' } },
    ],
  });
  store = reopen();
  const unfinished = Object.fromEntries(store.listUnfinishedItems().map((s) => [s.itemId, s]));
  assert.deepEqual(unfinished.a.snapshot, { v: 'a0' });
  assert.deepEqual(unfinished.a.events, [{ e: 'a1' }, { e: 'a2' }]);
  assert.deepEqual(unfinished.b.snapshot, { v: 'b1' });
  assert.deepEqual(unfinished.b.events, [{ e: 'b2' }], 'events before the snapshot are not replayed');
  await store.commit({ states: [{ itemId: 'a', shard: 0, event: { e: 'a3' }, snapshot: { v: 'a3' }, unfinished: false }] });
  assert.deepEqual(store.listUnfinishedItems().map((s) => s.itemId), ['b']);
  assert.deepEqual(store.getItemState('a')?.snapshot, { v: 'a3' });
});

test('keeps a notification log per customer whose sequence survives a reopen', async (t) => {
  const { reopen } = tempStore(t);
  let store = reopen();
  const entry = (customerKey: string, status: 'in_progress' | 'complete') => ({ customerKey, itemId: 'i', name: 'N', kind: 'subscription' as const, status, errorMessage: null, at: '2026-01-01T00:00:00Z' });
  await store.commit({ notifications: [entry('c1', 'in_progress'), entry('c2', 'in_progress'), entry('c1', 'complete')] });
  assert.deepEqual(store.listNotifications('c1', 0).map((e) => [e.seq, e.status]), [[1, 'in_progress'], [3, 'complete']]);
  assert.deepEqual(store.listNotifications('c1', 1).map((e) => e.seq), [3], 'after a sequence number: what a reconnect missed');
  store = reopen();
  assert.equal(store.lastNotificationSeq(), 3);
  // What the last process committed is listed only once this one has flushed a write of its own.
  assert.deepEqual(store.listNotifications('c1', 0), [], 'not before the first flush after opening');
  await store.commit({});
  assert.deepEqual(store.listNotifications('c1', 0).map((e) => e.seq), [1, 3]);
  await store.commit({ notifications: [entry('c2', 'complete')] });
  assert.deepEqual(store.listNotifications('c2', 0).map((e) => e.seq), [2, 4]);
});

test('a notification is listed only once its commit is flushed, never while an OS crash could still lose it', async (t) => {
  const { store } = tempStore(t);
  // LMDB readers see a commit before its fdatasync ends: poll every turn while each commit is
  // on its way (without the flush gate most entries showed early here).
  let early = 0;
  for (let i = 0; i < 30; i++) {
    let flushed = false;
    const entry = { customerKey: 'c1', itemId: `i${i}`, name: 'N', kind: 'subscription' as const, status: 'in_progress' as const, errorMessage: null, at: '2026-01-01T00:00:00Z' };
    const commit = store.commit({ notifications: [entry] }).then(() => (flushed = true));
    while (!flushed) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!flushed && store.listNotifications('c1', i).length > 0) early += 1;
    }
    await commit;
    assert.deepEqual(store.listNotifications('c1', i).map((e) => e.itemId), [`i${i}`], 'listed once flushed');
  }
  assert.equal(early, 0, 'entries listed before their flush');
});

test('a lock has one holder at a time, released only in a batch', async (t) => {
  const { store } = tempStore(t);
  assert.equal(await store.acquireLock('occupant:x', 'a'), true);
  assert.equal(await store.acquireLock('occupant:x', 'b'), false);
  assert.equal(await store.acquireLock('occupant:x', 'a'), true, 'the holder may take it again');
  await store.commit({ releasedLocks: ['occupant:x'] });
  assert.equal(await store.acquireLock('occupant:x', 'b'), true);
});

test('an idempotency key is claimed with its order in one transaction, once per app until released', async (t) => {
  const { store } = tempStore(t);
  const order = (orderId: string) => ({
    orderId, appId: 'shop', customerId: 'c', idempotencyKey: 'k', status: 'pending' as const, processSync: false, itemIds: [], createdAt: '2026-01-01T00:00:00Z',
  });
  assert.equal(await store.createOrder({ appId: 'shop', key: 'k', record: { bodyHash: 'h1', orderId: 'o1' } }, { orders: [order('o1')] }), null);
  assert.equal(store.getOrder('o1')?.status, 'pending');
  assert.deepEqual(store.listPendingOrders().map((o) => o.orderId), ['o1']);
  assert.deepEqual(await store.createOrder({ appId: 'shop', key: 'k', record: { bodyHash: 'h2', orderId: 'o2' } }, { orders: [order('o2')] }), { bodyHash: 'h1', orderId: 'o1' });
  assert.equal(store.getOrder('o2'), undefined, 'a refused claim writes nothing');
  assert.equal(await store.createOrder({ appId: 'kiosk', key: 'k', record: { bodyHash: 'h3', orderId: 'o3' } }, {}), null, 'keys are scoped per app');
  await store.commit({ idempotency: [{ appId: 'shop', key: 'k', record: null }] });
  assert.equal(await store.createOrder({ appId: 'shop', key: 'k', record: { bodyHash: 'h4', orderId: 'o4' } }, {}), null);
});

test('a fresh store has the seed offers and every toggle on', async (t) => {
  const { store } = tempStore(t);
  assert.deepEqual(store.listOffers().map((o) => [o.offerId, o.rateCode, o.price]), [
    ['daily-digital', 'DIGITAL-MONTHLY', 999],
    ['print-7day', 'PRINT-7DAY', 2499],
    ['weekend', 'WEEKEND-2DAY', 1299],
  ]);
  assert.deepEqual(store.getEventTypeToggles(1103), { viewInEventViewer: true, allowResubmit: true });
  assert.equal(await store.putOffer({ offerId: 'new', name: 'New', rateCode: 'PRINT-7DAY', price: 1 }), true);
  assert.equal(await store.putOffer({ offerId: 'new', name: 'New', rateCode: 'PRINT-7DAY', price: 2 }), false);
  assert.equal(store.getOffer('new')?.price, 2);
});

test('finds an operator by the hash of a token, and forgets the old token when replaced', async (t) => {
  const { store } = tempStore(t);
  await store.putOperator({ name: 'alice', role: 'csr', tokenHash: 'h1', createdAt: '2026-01-01T00:00:00Z' });
  assert.equal(store.findOperatorByTokenHash('h1')?.role, 'csr');
  await store.putOperator({ name: 'alice', role: 'admin', tokenHash: 'h2', createdAt: '2026-01-02T00:00:00Z' });
  assert.equal(store.findOperatorByTokenHash('h1'), undefined);
  assert.equal(store.findOperatorByTokenHash('h2')?.role, 'admin');
  assert.equal(store.getOperator('alice')?.tokenHash, 'h2');
});

test('prunes the journal below every unfinished item’s snapshot, and replay still works', async (t) => {
  const { store } = tempStore(t);
  await store.commit({ states: [{ itemId: 'done', shard: 0, snapshot: { v: 0 }, unfinished: true }] });
  await store.commit({ states: [{ itemId: 'done', shard: 0, event: { e: 1 } }, { itemId: 'done', shard: 0, event: { e: 2 } }] });
  await store.commit({ states: [{ itemId: 'done', shard: 0, event: { e: 3 }, snapshot: { v: 3 }, unfinished: false }] });
  await store.commit({ states: [{ itemId: 'busy', shard: 0, snapshot: { v: 'b0' }, unfinished: true }, { itemId: 'busy', shard: 0, event: { e: 'b1' } }] });
  await store.commit({ states: [{ itemId: 'other', shard: 1, snapshot: { v: 'o' }, unfinished: true }, { itemId: 'other', shard: 1, event: { e: 'o1' }, snapshot: { v: 'o1' }, unfinished: false }] });
  assert.equal(await store.pruneJournal(1_000), 3, 'the finished item’s three records; the busy item’s and each shard’s last stay');
  assert.deepEqual(store.listUnfinishedItems().map((s) => [s.itemId, s.events]), [['busy', [{ e: 'b1' }]]]);
  assert.equal(await store.pruneJournal(1_000), 0);
  await store.commit({ states: [{ itemId: 'busy', shard: 0, event: { e: 'b2' } }] });
  assert.deepEqual(store.listUnfinishedItems()[0].events, [{ e: 'b1' }, { e: 'b2' }], 'positions go on after a prune');
});

test('a prune keeps what every unfinished item of a shard replays, the oldest snapshot first', async (t) => {
  const dir = tempDir(t, 'probe-j4-');
  const store = openStore(dir);
  t.after(() => store.close());
  await store.commit({ states: [{ itemId: 'old', shard: 0, snapshot: { v: 0 }, unfinished: true }] });
  await store.commit({ states: [{ itemId: 'old', shard: 0, event: { e: 'o1' } }] });
  await store.commit({ states: [{ itemId: 'new', shard: 0, snapshot: { v: 'n' }, unfinished: true }] });
  await store.commit({ states: [{ itemId: 'new', shard: 0, event: { e: 'n1' }, snapshot: { v: 'n1' } }] });
  await store.commit({ states: [{ itemId: 'old', shard: 0, event: { e: 'o2' } }] });
  await store.pruneJournal(1_000);
  const old = store.listUnfinishedItems().find((s) => s.itemId === 'old');
  assert.deepEqual(old?.events, [{ e: 'o1' }, { e: 'o2' }]);
});

test('a prune removes at most its limit', async (t) => {
  const dir = tempDir(t, 'probe-j7-');
  const store = openStore(dir);
  t.after(() => store.close());
  await store.commit({ states: [{ itemId: 'done', shard: 0, snapshot: { v: 0 }, unfinished: true }] });
  await store.commit({ states: [{ itemId: 'done', shard: 0, event: { e: 1 } }, { itemId: 'done', shard: 0, event: { e: 2 } }] });
  await store.commit({ states: [{ itemId: 'done', shard: 0, event: { e: 3 }, snapshot: { v: 3 }, unfinished: false }] });
  await store.commit({ states: [{ itemId: 'x', shard: 1, event: { e: 3 }, snapshot: { v: 3 }, unfinished: false }, { itemId: 'x', shard: 1, event: { e: 4 }, snapshot: { v: 3 }, unfinished: false }] });
  assert.equal(await store.pruneJournal(1), 1);
});
