// Failed starts in the Event Viewer (SPEC §3, §6): update, reprocess, close, toggles, races.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Refusal, TransientError, type Connectors } from '../src/domain/index.ts';
import { createWorld, purchaseBody } from './helpers/world.ts';
import { doeBody, failedStart, detail, child, refusingStops, refused } from './helpers/failedStarts.ts';

test("the seed scenario: Doe's fails CREATESUBSCRIBER, a CSR fixes the last name and reprocesses", async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, doeBody());
  const [failed] = child(world, startEventId, 'CREATESUBSCRIBER');
  assert.equal(failed.status, 3);
  assert.equal(failed.errorCategory, 'bad-user-data');
  assert.match(failed.errorMessage!, /lastName/);
  assert.match(failed.errorMessage!, /'/);
  const start = detail(world, startEventId);
  assert.equal(start.status, 3, 'STARTSTD mirrors its failed child');
  assert.equal(start.errorMessage, failed.errorMessage);
  assert.equal(item.errorMessage, failed.errorMessage);
  assert.deepEqual(world.engine.listEvents({ typeCode: 3, status: 3 }).items.map((e) => e.eventId), [startEventId]);
  assert.equal(start.accountNumber, item.temporaryAccountNumber, 'the grid shows the temporary number');

  const unchanged = await world.engine.updateStart(startEventId, { subscriber: { lastName: "Doe's" } }, 'alice');
  assert.equal((unchanged.data as any).subscriber.lastName, "Doe's", 'an update that changes nothing...');
  assert.deepEqual(detail(world, startEventId).audit, [], '...writes no audit entry');
  const updated = await world.engine.updateStart(startEventId, { subscriber: { lastName: 'Doe' } }, 'alice');
  assert.equal((updated.data as any).subscriber.lastName, 'Doe');
  const result = await world.engine.reprocessStart(startEventId, 'alice');
  assert.equal(result.eventId, startEventId);

  const done = await world.settled(item.itemId);
  assert.equal(done.status, 'complete');
  const creates = child(world, startEventId, 'CREATESUBSCRIBER');
  assert.deepEqual(creates.map((e) => [e.status, e.reprocessOf]), [[11, null], [2, failed.eventId]]);
  assert.equal((creates[0].data as any).lastName, "Doe's", 'the replaced event keeps the data it was called with');
  assert.equal((creates[1].data as any).lastName, 'Doe');
  assert.equal(creates[1].eventId, result.reprocessEventId);
  assert.deepEqual(child(world, startEventId, 'LINKOWNER').map((e) => e.status), [2], 'the remaining steps ran');
  const finalStart = detail(world, startEventId);
  assert.equal(finalStart.status, 2);
  assert.match(finalStart.accountNumber!, /^\d+$/, 'the permanent number replaced the temporary one');
  assert.deepEqual(
    new Set(finalStart.children.map((e) => e.accountNumber)),
    new Set([finalStart.accountNumber]),
    'child events written before ADDSUBSCRIPTION show the permanent number too',
  );
  assert.deepEqual(world.engine.listEvents({ typeCode: 3, status: 3 }).items, []);
  assert.equal(world.engine.listEvents({ typeCode: 3, status: 2, accountNumber: item.temporaryAccountNumber! }).items.length, 1, 'found by the temporary number');
  assert.equal(world.engine.listEvents({ typeCode: 3, status: 2, accountNumber: done.accountNumber! }).items.length, 1, 'found by the permanent number');
  assert.equal(world.sims.controls.outbox({ email: 'john@example.com' }).length, 1, 'exactly one confirmation mail');
  assert.equal(world.sims.controls.ledger({ itemId: item.itemId }).filter((e) => e.operation === 'create-occupant').length, 1);
  assert.deepEqual(
    finalStart.audit.map((a) => [a.operator, a.action, a.changes]),
    [['alice', 'update', [{ field: 'subscriber.lastName', from: "Doe's", to: 'Doe' }]], ['alice', 'reprocess', []]],
  );
});

test('a reprocess that fails again: the previous event 11, the new one 3', async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, purchaseBody({ subscriber: { firstName: 'J', lastName: "O'Neil", email: 'o@example.com' } }));
  await world.engine.reprocessStart(startEventId, 'bob');
  const again = await world.settled(item.itemId);
  assert.equal(again.status, 'failed');
  const creates = child(world, startEventId, 'CREATESUBSCRIBER');
  assert.deepEqual(creates.map((e) => e.status), [11, 3]);
  assert.equal(creates[1].reprocessOf, creates[0].eventId);
  assert.equal(detail(world, startEventId).status, 3);
});

test('a bad offer setup fails ADDSUBSCRIPTION; fixing the rate code and reprocessing completes', async (t) => {
  const world = await createWorld(t);
  await world.engine.putOffer({ offerId: 'sunday', name: 'Sunday', rateCode: 'SUNDAY-ONLY', price: 499 });
  const { item, startEventId } = await failedStart(world, purchaseBody({ items: [{ offerId: 'sunday' }] }));
  const [failed] = child(world, startEventId, 'ADDSUBSCRIPTION');
  assert.equal(failed.errorCategory, 'bad-offer-setup');
  assert.equal(detail(world, startEventId).authorizedAmount, 499);
  await world.engine.putOffer({ offerId: 'sunday', name: 'Sunday', rateCode: 'WEEKEND-2DAY', price: 599 });
  await world.engine.reprocessStart(startEventId, 'carol');
  const done = await world.settled(item.itemId);
  assert.equal(done.status, 'complete');
  const capture = world.sims.controls.ledger({ itemId: item.itemId }).find((e) => e.operation === 'capture');
  assert.equal(capture?.amount, 499, 'captures the authorized amount, not the new price');
});

test('close before capture voids the authorization and stops the subscription; reprocess is refused after', async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, purchaseBody({ payment: { gateway: 'payway', token: 'tok_capture_fail' } }));
  const [failed] = child(world, startEventId, 'CCFUNDCAPTURE');
  assert.equal(failed.errorCategory, 'third-party');
  const closed = await world.engine.closeStart(startEventId, 'dave');
  assert.equal(closed.status, 9);
  const view = await world.settled(item.itemId);
  assert.equal(view.status, 'closed');
  assert.equal(view.errorMessage, 'Customer service closed this start; its subscription was stopped.', 'ADDSUBSCRIPTION had run');
  assert.equal(child(world, startEventId, 'CCFUNDCAPTURE')[0].status, 9);
  const operations = world.sims.controls.ledger({ itemId: item.itemId }).map((e) => e.operation);
  assert.ok(operations.includes('void'));
  assert.ok(!operations.includes('refund'));
  assert.ok(operations.includes('stop-subscription'));
  assert.deepEqual(world.engine.listEvents({ typeCode: 3, status: 3 }).items, []);
  assert.equal(world.engine.listEvents({ typeCode: 3, status: 9 }).items.length, 1);
  await refused(world.engine.reprocessStart(startEventId, 'dave'), 'conflict');
  await refused(world.engine.closeStart(startEventId, 'dave'), 'conflict');
});

test('a close whose stop the circulation system refuses for good still closes, and tells the shopper so', async (t) => {
  const world = await createWorld(t, { wrapConnectors: refusingStops('the circulation system refuses to stop this account') });
  const { item, startEventId } = await failedStart(world, purchaseBody({ payment: { gateway: 'payway', token: 'tok_capture_fail' } }));
  await world.engine.closeStart(startEventId, 'dave');
  const view = await world.settled(item.itemId);
  assert.equal(view.status, 'closed');
  assert.equal(view.errorMessage, 'Customer service closed this start; its subscription could not be stopped, and customer service will see to it.');
  assert.deepEqual(detail(world, startEventId).compensationErrors.map((e) => [e.action, e.category]), [['stop-subscription', 'third-party']], 'the CSR sees what was refused');
  assert.ok(world.sims.controls.ledger({ itemId: item.itemId }).some((e) => e.operation === 'void'), 'the rest of the compensation ran');
});

test('a close during a circulation outage refunds at once; the stop follows once the outage ends', async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, purchaseBody({ payment: { gateway: 'braintree', token: 'tok_update_fail' } }));
  const operations = () => world.sims.controls.ledger({ itemId: item.itemId }).map((e) => e.operation);
  await world.sims.controls.setOutage(true);
  await world.engine.closeStart(startEventId, 'dave');
  for (let waited = 0; !operations().includes('refund'); waited += 20) {
    assert.ok(waited < 5_000, 'the refund does not wait for the circulation system');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(!operations().includes('stop-subscription'));
  assert.equal(world.engine.getItem(item.itemId)?.status, 'failed', 'not closed for the shopper until the stop is recorded');
  await world.sims.controls.setOutage(false);
  assert.equal((await world.settled(item.itemId)).status, 'closed');
  assert.deepEqual(operations().filter((o) => o === 'refund' || o === 'stop-subscription'), ['refund', 'stop-subscription']);
});

test('close refunds a capture whose reply was lost: the void finds it captured and a refund follows', async (t) => {
  let captures = 0;
  let down = true;
  // The first capture is made but its reply lost; the gateway then answers "try later" until the step gives up.
  const losingCaptures = (connectors: Connectors): Connectors => {
    const payway = connectors.gateways.payway;
    const capture: typeof payway.capture = async (request, context) => {
      captures += 1;
      if (captures === 1) await payway.capture(request, context);
      if (captures === 1 || down) throw new TransientError('payway did not answer; try later');
      return payway.capture(request, context);
    };
    return { ...connectors, gateways: { ...connectors.gateways, payway: Object.assign(Object.create(payway), { capture }) } };
  };
  const world = await createWorld(t, { wrapConnectors: losingCaptures });
  const { item, startEventId } = await failedStart(world);
  assert.equal(item.currentStep, 'CCFUNDCAPTURE');
  down = false;
  await world.engine.closeStart(startEventId, 'dave');
  assert.equal((await world.settled(item.itemId)).status, 'closed');
  const ledger = world.sims.controls.ledger({ itemId: item.itemId });
  assert.deepEqual(ledger.filter((e) => e.operation === 'refund').map((e) => e.amount), [999], 'the captured funds are refunded');
  assert.ok(!ledger.some((e) => e.operation === 'void'));
  assert.deepEqual(detail(world, startEventId).compensationErrors, [], 'the void that found a capture is no error');
});

test("two items of one email that fail CREATESUBSCRIBER and are reprocessed make one occupant", async (t) => {
  const world = await createWorld(t);
  const subscriber = { firstName: 'John', lastName: "Doe's", email: 'john@example.com' };
  const outcome = await world.purchase(purchaseBody({ subscriber, items: [{ offerId: 'daily-digital' }, { offerId: 'weekend' }] }));
  if (outcome.kind !== 'accepted') return assert.fail(outcome.kind);
  const failed = await Promise.all(outcome.items.map((i) => world.settled(i.itemId)));
  assert.deepEqual(failed.map((i) => [i.status, i.currentStep]), [['failed', 'CREATESUBSCRIBER'], ['failed', 'CREATESUBSCRIBER']]);
  for (const item of failed) {
    await world.engine.updateStart(item.startEventId!, { subscriber: { lastName: 'Doe' } }, 'alice');
    await world.engine.reprocessStart(item.startEventId!, 'alice');
    assert.equal((await world.settled(item.itemId)).status, 'complete');
  }
  const created = world.sims.controls.ledger().filter((e) => e.operation === 'create-occupant');
  assert.equal(created.length, 1, 'the second reprocess looks again under the lock and finds the first one\'s occupant');
});

test('two CSRs updating one failed start at once: one wins, the other gets 409, one audit entry', async (t) => {
  const world = await createWorld(t);
  const { startEventId } = await failedStart(world, doeBody());
  const results = await Promise.allSettled([
    world.engine.updateStart(startEventId, { subscriber: { lastName: 'Doe' } }, 'ann'),
    world.engine.updateStart(startEventId, { subscriber: { lastName: 'Dough' } }, 'bob'),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as Refusal).code, 'conflict');
  assert.equal(detail(world, startEventId).audit.length, 1);
});

test('while a close is still compensating, the start takes no more CSR action (409)', async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, purchaseBody({ payment: { gateway: 'payway', token: 'tok_capture_fail' } }));
  await world.sims.controls.setOutage(true); // the stop of the subscription waits
  await world.engine.closeStart(startEventId, 'dave');
  assert.equal(world.engine.getItem(item.itemId)?.status, 'failed', 'the shopper sees it closed once the compensation is done');
  await refused(world.engine.updateStart(startEventId, { subscriber: { lastName: 'X' } }, 'erin'), 'conflict');
  await refused(world.engine.reprocessStart(startEventId, 'erin'), 'conflict');
  await world.sims.controls.setOutage(false);
  assert.equal((await world.settled(item.itemId)).status, 'closed');
  assert.deepEqual(detail(world, startEventId).audit.map((a) => a.action), ['close']);
});

test('a start the Event Viewer lists as failed can be closed at once, even before its failure is flushed', async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase(purchaseBody({ payment: { gateway: 'payway', token: 'tok_capture_fail' } }));
  if (outcome.kind !== 'accepted') assert.fail(outcome.kind);
  // The list reads what is committed, which readers see a flush before the engine hears it is on disk.
  let listed: string | undefined;
  while (!listed) {
    listed = world.engine.listEvents({ typeCode: 3, status: 3 }).items[0]?.eventId;
    if (!listed) await new Promise((resolve) => setImmediate(resolve));
  }
  const closed = await world.engine.closeStart(listed, 'alice');
  assert.equal(closed.status, 9);
  assert.equal((await world.settled(outcome.items[0].itemId)).status, 'closed');
});

test('close after capture (tok_update_fail) refunds it', async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, purchaseBody({ payment: { gateway: 'braintree', token: 'tok_update_fail' } }));
  assert.equal(child(world, startEventId, 'UPDATEPAYMENTTRAN')[0].status, 3);
  await world.engine.closeStart(startEventId, 'erin');
  await world.settled(item.itemId);
  const ledger = world.sims.controls.ledger({ itemId: item.itemId });
  assert.deepEqual(ledger.filter((e) => e.operation === 'refund').map((e) => [e.system, e.amount]), [['braintree', 999]]);
  assert.ok(!ledger.some((e) => e.operation === 'void'));
  assert.equal(detail(world, startEventId).status, 9);
  assert.equal(child(world, startEventId, 'UPDATEPAYMENTTRAN')[0].status, 9);
  await refused(world.engine.reprocessStart(startEventId, 'erin'), 'conflict');
});

test('only a failed start can be updated, reprocessed or closed', async (t) => {
  const world = await createWorld(t);
  const outcome = await world.purchase();
  if (outcome.kind !== 'accepted') return assert.fail();
  await world.settled(outcome.items[0].itemId);
  const startEventId = outcome.items[0].startEventId;
  await refused(world.engine.updateStart(startEventId, { subscriber: { lastName: 'X' } }, 'f'), 'conflict');
  await refused(world.engine.reprocessStart(startEventId, 'f'), 'conflict');
  await refused(world.engine.closeStart(startEventId, 'f'), 'conflict');
  await refused(world.engine.closeStart('01NOPE', 'f'), 'not-found');
  assert.deepEqual(detail(world, startEventId).audit, []);
});

test('Allow resubmit off for STARTSTD or for the failed step refuses a reprocess; View off hides the type', async (t) => {
  const world = await createWorld(t);
  const { startEventId } = await failedStart(world, purchaseBody({ subscriber: { firstName: 'A', lastName: 'B2', email: 'ab@example.com' } }));
  await world.engine.setEventTypeToggles(3, { allowResubmit: false });
  await refused(world.engine.reprocessStart(startEventId, 'g'), 'conflict');
  await world.engine.setEventTypeToggles(3, { allowResubmit: true });
  await world.engine.setEventTypeToggles(1103, { allowResubmit: false });
  await refused(world.engine.reprocessStart(startEventId, 'g'), 'conflict');
  assert.equal(child(world, startEventId, 'CREATESUBSCRIBER')[0].status, 3, 'nothing changed');
  assert.equal(world.engine.listEvents({ typeCode: 1103, status: 3 }).items.length, 1);
  await world.engine.setEventTypeToggles(1103, { viewInEventViewer: false });
  assert.deepEqual(world.engine.listEvents({ typeCode: 1103, status: 3 }), { items: [], nextCursor: null });
});

test('two CSRs acting at once: one wins, the other gets a conflict', async (t) => {
  const world = await createWorld(t);
  const { item, startEventId } = await failedStart(world, purchaseBody({ subscriber: { firstName: 'A', lastName: 'B!', email: 'race@example.com' } }));
  await world.engine.updateStart(startEventId, { subscriber: { lastName: 'B' } }, 'h');
  const results = await Promise.allSettled([world.engine.reprocessStart(startEventId, 'h'), world.engine.closeStart(startEventId, 'i')]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.equal(loser.reason.code, 'conflict');
  await world.settled(item.itemId);
  assert.equal(detail(world, startEventId).audit.length, 2, 'the update and the one action that won');
});

test('the Event Viewer list pages with a cursor, newest first', async (t) => {
  const world = await createWorld(t);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const outcome = await world.purchase();
    if (outcome.kind !== 'accepted') return assert.fail();
    ids.push(outcome.items[0].startEventId);
  }
  const first = world.engine.listEvents({ typeCode: 3, status: 2, limit: 2 });
  assert.equal(first.items.length, 2);
  const second = world.engine.listEvents({ typeCode: 3, status: 2, limit: 2, cursor: first.nextCursor! });
  const third = world.engine.listEvents({ typeCode: 3, status: 2, limit: 2, cursor: second.nextCursor! });
  assert.equal(third.nextCursor, null);
  assert.deepEqual([...first.items, ...second.items, ...third.items].map((e) => e.eventId), ids.reverse());
  const future = new Date(Date.now() + 60_000).toISOString();
  assert.deepEqual(world.engine.listEvents({ typeCode: 3, status: 2, from: future }).items, []);
});

test('a child event id is not a start: reprocess and close refuse it as not found', async (t) => {
  const world = await createWorld(t);
  const { startEventId } = await failedStart(world, doeBody());
  const [failed] = child(world, startEventId, 'CREATESUBSCRIBER');
  await refused(world.engine.reprocessStart(failed.eventId, 'carol'), 'not-found');
  await refused(world.engine.closeStart(failed.eventId, 'carol'), 'not-found');
});
