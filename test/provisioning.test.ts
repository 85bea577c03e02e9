// End-to-end provisioning through the engine and the simulators (SPEC §2, §3, §7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Refusal, TransientError, type Connectors } from '../src/domain/index.ts';
import { customerKey } from '../src/engine/index.ts';
import { createWorld, purchaseBody } from './helpers/world.ts';
import type { World } from './helpers/world.ts';
import { tempDir } from './helpers/tempDir.ts';

function startOf(world: World, itemId: string) {
  const view = world.engine.getItem(itemId)!;
  return world.engine.getStartDetail(view.startEventId!)!;
}

const operationsOf = (world: World, itemId: string) => world.sims.controls.ledger({ itemId }).map((e) => `${e.system}:${e.operation}`);

test('a split-mode purchase answers after STARTSTD and provisions every step once', async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase();
  assert.equal(outcome.kind, 'accepted');
  if (outcome.kind !== 'accepted') return;
  const [placed] = outcome.items;
  assert.match(placed.temporaryAccountNumber, /^T\d+$/);
  assert.equal(placed.status, 'in_progress');

  const done = await world.settled(placed.itemId);
  assert.equal(done.status, 'complete');
  assert.match(done.accountNumber!, /^\d+$/);
  assert.equal(done.temporaryAccountNumber, placed.temporaryAccountNumber);

  const start = startOf(world, placed.itemId);
  assert.equal(start.status, 2);
  assert.equal(start.accountNumber, done.accountNumber, 'the permanent number replaces the temporary one');
  assert.deepEqual(
    start.children.map((e) => [e.typeName, e.status, e.attempts, e.parentEventId === start.eventId]),
    [
      ['ADDRSTD', 2, 1, true], ['AUTHCC', 2, 1, true], ['FINDADDRESSOCCUPANT', 2, 1, true], ['CREATESUBSCRIBER', 2, 1, true],
      ['ADDADDRESSOCCUPANT', 2, 1, true], ['ADDSUBSCRIPTION', 2, 1, true], ['CCFUNDCAPTURE', 2, 1, true],
      ['PAYMENTNEWSTART', 2, 1, true], ['UPDATEPAYMENTTRAN', 2, 1, true], ['LINKOWNER', 2, 1, true], ['CHGEMAILPREF', 2, 1, true],
    ],
  );
  assert.deepEqual(operationsOf(world, placed.itemId).sort(), [
    'circulation:add-address', 'circulation:add-subscription', 'circulation:create-occupant', 'circulation:record-payment',
    'mail:send', 'payway:authorize', 'payway:capture', 'payway:update-transaction', 'preferences:subscribe', 'registration:link-owner',
  ]);
  const capture = world.sims.controls.ledger({ itemId: placed.itemId }).find((e) => e.operation === 'capture');
  assert.equal(capture?.amount, 999, 'captures what was authorized');
  const mails = world.sims.controls.outbox({ email: 'jane@example.com' });
  assert.equal(mails.length, 1);
  assert.equal(mails[0].accountNumber, done.accountNumber);
  assert.equal(world.engine.liveItems, 0, 'finished actors leave memory');
});

test("ADDRSTD's standardized addresses become the start's data and are what later steps send", async (t) => {
  const world = await createWorld(t);
  const messy = { line1: '  1   Main st ', unit: ' 4b', city: 'winston-SALEM', postalCode: ' 27101', country: 'US' };
  const tidy = { line1: '1 Main st', unit: '4B', city: 'Winston-Salem', postalCode: '27101', country: 'US' };
  const outcome = await world.purchase(purchaseBody({ deliveryAddress: messy, billingAddress: { ...messy, line1: '9 Elm  Rd' } }));
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  await world.settled(outcome.items[0].itemId);
  const start = startOf(world, outcome.items[0].itemId);
  const data = start.data as { deliveryAddress: object; billingAddress: object };
  assert.deepEqual(data.deliveryAddress, tidy);
  assert.deepEqual(data.billingAddress, { ...tidy, line1: '9 Elm Rd' });
  const sent = (step: string) => start.children.find((e) => e.typeName === step)!.data as Record<string, unknown>;
  const asked = (sent('ADDRSTD') as { deliveryAddress: { city: string; unit: string } }).deliveryAddress;
  assert.deepEqual([asked.city, asked.unit], ['winston-SALEM', ' 4b'], 'ADDRSTD keeps what it was asked');
  assert.deepEqual(sent('ADDADDRESSOCCUPANT').address, tidy);
  assert.deepEqual(world.engine.getItem(outcome.items[0].itemId)?.status, 'complete');
});

test('a second purchase by the same email finds the occupant and skips CREATESUBSCRIBER', async (t) => {
  const world = await createWorld(t);
  const first = await world.purchase();
  assert.equal(first.kind, 'accepted');
  if (first.kind !== 'accepted') return;
  await world.settled(first.items[0].itemId);
  const second = await world.purchase(purchaseBody({ items: [{ offerId: 'weekend', kind: 'bundle' }] }));
  if (second.kind !== 'accepted') return assert.fail(second.kind);
  const done = await world.settled(second.items[0].itemId);
  assert.equal(done.status, 'complete');
  assert.equal(done.kind, 'bundle');
  const types = startOf(world, done.itemId).children.map((e) => e.typeName);
  assert.ok(!types.includes('CREATESUBSCRIBER'));
  assert.equal(world.sims.controls.ledger().filter((e) => e.operation === 'create-occupant').length, 1);
});

test('two items of one order with one new email create one occupant', async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase(purchaseBody({ subscriber: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' }, items: [{ offerId: 'daily-digital' }, { offerId: 'print-7day', kind: 'asset' }] }));
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const views = await Promise.all(outcome.items.map((item) => world.settled(item.itemId)));
  assert.deepEqual(views.map((v) => v.status), ['complete', 'complete']);
  const creates = world.sims.controls.ledger().filter((e) => e.operation === 'create-occupant');
  assert.equal(creates.length, 1);
  const createEvents = outcome.items.flatMap((item) => startOf(world, item.itemId).children.filter((e) => e.typeName === 'CREATESUBSCRIBER'));
  assert.equal(createEvents.length, 1, 'only one item ran CREATESUBSCRIBER');
});

test('a complimentary start runs no payment step and needs no payment', async (t) => {
  const world = await createWorld(t);
  await world.engine.putOffer({ offerId: 'free-week', name: 'Free Week', rateCode: 'WEEKEND-2DAY', price: 0 });
  const outcome = await world.purchase(purchaseBody({ payment: undefined, items: [{ offerId: 'free-week' }] }));
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const done = await world.settled(outcome.items[0].itemId);
  assert.equal(done.status, 'complete');
  assert.deepEqual(done.progress, { done: 8, total: 8 }, 'twelve steps less the four payment steps');
  const types = startOf(world, done.itemId).children.map((e) => e.typeName);
  for (const step of ['AUTHCC', 'CCFUNDCAPTURE', 'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN']) assert.ok(!types.includes(step), step);
  assert.ok(!operationsOf(world, done.itemId).some((op) => op.startsWith('payway') || op.startsWith('braintree')));
});

test('tok_flaky fails each payment call twice, then succeeds, on the same event', async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase(purchaseBody({ payment: { gateway: 'braintree', token: 'tok_flaky' } }));
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const done = await world.settled(outcome.items[0].itemId);
  assert.equal(done.status, 'complete');
  const attempts = Object.fromEntries(startOf(world, done.itemId).children.map((e) => [e.typeName, e.attempts]));
  assert.equal(attempts.AUTHCC, 3);
  assert.equal(attempts.CCFUNDCAPTURE, 3);
  assert.equal(attempts.UPDATEPAYMENTTRAN, 3);
  assert.equal(attempts.FINDADDRESSOCCUPANT, 1);
  const payments = world.sims.controls.ledger({ itemId: done.itemId }).filter((e) => e.system === 'braintree');
  assert.deepEqual(payments.map((e) => [e.operation, e.calls]).sort(), [['authorize', 3], ['capture', 3], ['update-transaction', 3]]);
});

test('a circulation outage delays items without failing them; they finish once it ends', async (t) => {
  const world = await createWorld(t);
  await world.sims.controls.setOutage(true);
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const itemId = outcome.items[0].itemId;
  // Wait until the lookup has failed a few times.
  for (let i = 0; i < 200; i++) {
    const find = startOf(world, itemId).children.find((e) => e.typeName === 'FINDADDRESSOCCUPANT');
    if (find && find.attempts >= 3) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const find = startOf(world, itemId).children.find((e) => e.typeName === 'FINDADDRESSOCCUPANT')!;
  assert.equal(find.status, 1, 'a step waiting to retry is processing');
  assert.ok(find.attempts >= 3);
  assert.equal(world.engine.getItem(itemId)?.status, 'in_progress');
  const stored = world.store.listUnfinishedItems().find((state) => state.itemId === itemId)!;
  assert.ok(stored.events.length <= 1, `a snapshot is written at each retry wait: ${stored.events.length} transitions to replay`);
  await world.sims.controls.setOutage(false);
  const done = await world.settled(itemId);
  assert.equal(done.status, 'complete');
});

test('transient failures past the budget fail the step with third-party', async (t) => {
  const world = await createWorld(t, { retry: { FINDADDRESSOCCUPANT: { baseDelayMs: 5, factor: 2, maxDelayMs: 10, budgetMs: 50 } } });
  await world.sims.controls.setOutage(true);
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const done = await world.settled(outcome.items[0].itemId);
  assert.equal(done.status, 'failed');
  const find = startOf(world, done.itemId).children.find((e) => e.typeName === 'FINDADDRESSOCCUPANT')!;
  assert.equal(find.status, 3);
  assert.equal(find.errorCategory, 'third-party');
  assert.ok(find.attempts > 1);
});

test('the standard lookup keeps only occupants whose names and email all match', async (t) => {
  const world = await createWorld(t);
  await world.engine.putApp({ id: 'panel', name: 'Panel', processSync: false, lookupStrategy: 'standard' });
  const first = await world.purchase(purchaseBody({ subscriber: { firstName: 'Bo', lastName: 'Ray', email: 'bo@example.com' } }), 'k-a', 'panel');
  if (first.kind !== 'accepted') return assert.fail(first.kind);
  await world.settled(first.items[0].itemId);
  const other = await world.purchase(purchaseBody({ subscriber: { firstName: 'Al', lastName: 'Ray', email: 'BO@example.com' } }), 'k-b', 'panel');
  if (other.kind !== 'accepted') return assert.fail(other.kind);
  await world.settled(other.items[0].itemId);
  assert.ok(startOf(world, other.items[0].itemId).children.some((e) => e.typeName === 'CREATESUBSCRIBER'), 'another first name: a new occupant');
  const same = await world.purchase(purchaseBody({ subscriber: { firstName: 'bo', lastName: 'ray', email: 'Bo@Example.com' } }), 'k-c', 'panel');
  if (same.kind !== 'accepted') return assert.fail(same.kind);
  await world.settled(same.items[0].itemId);
  assert.ok(!startOf(world, same.items[0].itemId).children.some((e) => e.typeName === 'CREATESUBSCRIBER'), 'all three match: found');
});

test('every status change is published on the bus and kept in the customer notification log', async (t) => {
  const world = await createWorld(t);
  const seen: string[] = [];
  world.engine.bus.on('item', (view) => {
    if (seen[seen.length - 1] !== view.status) seen.push(view.status);
  });
  const good = await world.purchase(purchaseBody({ customerId: 'ann' }));
  const bad = await world.purchase(purchaseBody({ customerId: 'ann', subscriber: { firstName: 'Ann', lastName: 'O!', email: 'o@example.com' } }));
  if (good.kind !== 'accepted' || bad.kind !== 'accepted') return assert.fail();
  await world.settled(good.items[0].itemId);
  const failed = await world.settled(bad.items[0].itemId);
  await world.engine.closeStart(failed.startEventId!, 'csr');
  await world.settled(bad.items[0].itemId);
  assert.ok(seen.includes('in_progress') && seen.includes('complete') && seen.includes('failed') && seen.includes('closed'));
  const log = world.store.listNotifications(customerKey('shop', 'ann'), 0);
  const byItem = (itemId: string) => log.filter((e) => e.itemId === itemId).map((e) => e.status);
  assert.deepEqual(byItem(good.items[0].itemId), ['in_progress', 'complete']);
  assert.deepEqual(byItem(bad.items[0].itemId), ['in_progress', 'failed', 'closed']);
  assert.equal(log[log.length - 1].errorMessage, 'Customer service closed this start; no subscription was created.', 'it failed before ADDSUBSCRIPTION');
  assert.ok(log.every((e, i) => i === 0 || e.seq > log[i - 1].seq), 'sequence numbers grow');
  assert.deepEqual(world.store.listNotifications(customerKey('shop', 'someone-else'), 0), []);
});

test('a call that never answers counts as a transient failure after the call timeout, and is retried under its key', async (t) => {
  const hung = new Set<string>();
  const world = await createWorld(t, {
    callTimeoutMs: 40,
    wrapConnectors: (connectors) => ({
      ...connectors,
      registration: {
        linkOwner: (request, context) => {
          if (hung.has(context.idempotencyKey)) return connectors.registration.linkOwner(request, context);
          hung.add(context.idempotencyKey);
          return new Promise(() => {}); // the third party never answers the first call
        },
      },
    }),
  });
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  const done = await world.settled(outcome.items[0].itemId);
  assert.equal(done.status, 'complete');
  const link = startOf(world, done.itemId).children.find((e) => e.typeName === 'LINKOWNER')!;
  assert.equal(link.attempts, 2);
  assert.equal(world.sims.controls.ledger({ itemId: done.itemId }).filter((e) => e.operation === 'link-owner').length, 1);
});

test('settled rejects unavailable when the engine stops while it waits, and once it has stopped', async (t) => {
  const world = await createWorld(t);
  await world.sims.controls.setOutage(true);
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  const itemId = outcome.items[0].itemId;
  const waiting = assert.rejects(world.engine.settled(itemId), (error) => error instanceof Refusal && error.code === 'unavailable');
  await world.engine.stop();
  await waiting;
  await assert.rejects(world.engine.settled(itemId), (error) => error instanceof Refusal && error.code === 'unavailable');
});

test('an engine stopping while a call that will fail is on its way stops cleanly; the next engine makes the call again', async (t) => {
  const dir = tempDir(t, 'stop-failing-');
  let called!: () => void;
  const calledOnce = new Promise<void>((resolve) => (called = resolve));
  const first = await createWorld(t, {
    wrapConnectors: (connectors) => ({
      ...connectors,
      registration: {
        linkOwner: async () => {
          called();
          await new Promise((resolve) => setTimeout(resolve, 200));
          throw new TransientError('registration down');
        },
      },
    }),
  }, dir);
  const outcome = await first.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  await calledOnce;
  await first.close(); // resolves: the failing call's rejection is the call's, not the stop's
  const second = await createWorld(t, {}, dir);
  assert.equal((await second.settled(outcome.items[0].itemId)).status, 'complete');
});

test('a commit that fails is fatal: the call waiting on it is never made, and the error goes to onFatal (by default it ends the process)', async (t) => {
  let failing = false;
  const fatal: Error[] = [];
  const world = await createWorld(t, {
    onFatal: (error) => fatal.push(error),
    // Once armed, every commit of a transition fails, as on a full disk.
    wrapStore: (store) => ({ ...store, commit: (batch) => (failing && batch.states?.length ? Promise.reject(new Error('disk full')) : store.commit(batch)) }),
  });
  const outcome = await world.purchase(purchaseBody({ subscriber: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' } }));
  assert.equal(outcome.kind, 'accepted');
  // The lookup is on its way: the transition it leads to, into CREATESUBSCRIBER, cannot commit.
  failing = true;
  for (let waited = 0; fatal.length === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(fatal.map((error) => error.message), ['disk full']);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const itemId = outcome.kind === 'accepted' ? outcome.items[0].itemId : '';
  assert.deepEqual(operationsOf(world, itemId), ['payway:authorize'], 'no occupant created');
  const children = startOf(world, itemId).children.map((event) => [event.typeName, event.status]);
  assert.deepEqual(children.at(-1), ['FINDADDRESSOCCUPANT', 1], 'the lookup answered, but its outcome never reached the disk');
  assert.ok(!children.some(([typeName]) => typeName === 'CREATESUBSCRIBER'), 'CREATESUBSCRIBER never began');
});

test('a journal prune that fails is fatal too: a store that cannot delete cannot be trusted to write', async (t) => {
  const fatal: Error[] = [];
  await createWorld(t, {
    onFatal: (error) => fatal.push(error),
    journalPruneEveryMs: 5,
    wrapStore: (store) => ({ ...store, pruneJournal: () => Promise.reject(new Error('cannot delete')) }),
  });
  for (let waited = 0; fatal.length === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(fatal[0]?.message, 'cannot delete');
});

test('an occupant lock the store cannot write is fatal, and the occupant step is not called without it', async (t) => {
  const fatal: Error[] = [];
  let lookups = 0;
  const world = await createWorld(t, {
    onFatal: (error) => fatal.push(error),
    wrapStore: (store) => ({ ...store, acquireLock: () => Promise.reject(new Error('lock write failed')) }),
    wrapConnectors: (connectors) => ({
      ...connectors,
      circulation: { ...connectors.circulation, findOccupants: (...args) => (lookups++, connectors.circulation.findOccupants(...args)) },
    }),
  });
  const outcome = await world.purchase(purchaseBody({ subscriber: { firstName: 'Bo', lastName: 'Lee', email: 'bo@example.com' } }));
  assert.equal(outcome.kind, 'accepted');
  for (let waited = 0; fatal.length === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(fatal[0]?.message, 'lock write failed');
  const itemId = outcome.kind === 'accepted' ? outcome.items[0].itemId : '';
  const children = startOf(world, itemId).children.map((event) => [event.typeName, event.status]);
  assert.deepEqual(children.at(-1), ['FINDADDRESSOCCUPANT', 1], 'the lookup waits for its lock');
  assert.equal(lookups, 0, 'and is never called without it');
  assert.deepEqual(operationsOf(world, itemId), ['payway:authorize']);
});

test("three items of one order with one new email all complete, with one occupant (the lock's queue serves every waiter)", async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase(purchaseBody({ subscriber: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' }, items: [{ offerId: 'daily-digital' }, { offerId: 'daily-digital' }, { offerId: 'daily-digital' }] }));
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const timeout = sleep(8000, 'stuck', { ref: false });
  const views = await Promise.race([Promise.all(outcome.items.map((item) => world.settled(item.itemId))), timeout]);
  assert.notEqual(views, 'stuck');
  assert.equal(world.sims.controls.ledger().filter((e) => e.operation === 'create-occupant').length, 1);
});

test('with the standard lookup, emails that differ only in case, bought at once, make one occupant (the lock is per email, case aside)', async (t) => {
  const world = await createWorld(t);
  await world.engine.putApp({ id: 'std', name: 'Std', processSync: false, lookupStrategy: 'standard' });
  world.sims.controls.setLatency(40);
  const a = world.purchase(purchaseBody({ subscriber: { firstName: 'Ann', lastName: 'Lee', email: 'Ann@Example.com' } }), 'k-a', 'std');
  const b = world.purchase(purchaseBody({ subscriber: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' } }), 'k-b', 'std');
  const outcomes = await Promise.all([a, b]);
  for (const o of outcomes) if (o.kind === 'accepted') await world.settled(o.items[0].itemId);
  assert.equal(world.sims.controls.ledger().filter((e) => e.operation === 'create-occupant').length, 1);
});

test('the stored item holds the standardized addresses, which later steps send, and the entered ones', async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase(purchaseBody({ deliveryAddress: { line1: '1  Main St', city: 'springfield', postalCode: '12345', country: 'US' } }));
  if (outcome.kind !== 'accepted') return assert.fail();
  await world.settled(outcome.items[0].itemId);
  const item = world.store.getItem(outcome.items[0].itemId)!;
  assert.equal(item.data.deliveryAddress.city, 'Springfield');
  assert.equal(item.enteredAddresses?.deliveryAddress.city, 'springfield');
});

test('a lock granted while the engine stops: no occupant call goes out after the stop', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let stopped = false;
  let findsAfterStop = 0;
  const world = await createWorld(t, {
    wrapStore: (s) => Object.assign(Object.create(s), { acquireLock: async (n: string, h: string) => { await gate; return s.acquireLock(n, h); } }),
    wrapConnectors: (c) => ({ ...c, circulation: Object.assign(Object.create(c.circulation), { findOccupants: (...a: Parameters<Connectors['circulation']['findOccupants']>) => { if (stopped) findsAfterStop += 1; return c.circulation.findOccupants(...a); } }) }),
  });
  const outcome = await world.purchase();
  assert.equal(outcome.kind, 'accepted');
  await sleep(100);
  const stopping = world.engine.stop();
  stopped = true;
  release();
  await stopping;
  await sleep(100);
  assert.equal(findsAfterStop, 0);
});
