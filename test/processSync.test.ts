// processSync purchases (SPEC §3, §4): the answer waits for the end of provisioning or the
// deadline, which counts from the request; a failed step is reported with its message; a repeat
// of an order whose answer was never kept is answered as processSync again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePurchase } from '../src/domain/index.ts';
import { lteWorld, purchaseBody, refusal } from './helpers/world.ts';

test('processSync answers after every step with the permanent account number', async (t) => {
  const world = await lteWorld(t);
  const outcome = await world.purchase(purchaseBody(), 'k-lte', 'lte');
  assert.equal(outcome.kind, 'complete');
  if (outcome.kind !== 'complete') return;
  assert.match(outcome.items[0].accountNumber!, /^\d+$/);
  assert.equal(outcome.items[0].status, 'complete');
});

test('a processSync order whose answer was never kept (the process ended first) is answered again as processSync', async (t) => {
  const world = await lteWorld(t);
  // Placed without an answer to keep, as when the process ends before the answer is kept.
  const first = await world.purchase(purchaseBody(), 'k-lost', 'lte');
  assert.equal(first.kind, 'complete');
  const again = await world.engine.placeOrder({ appId: 'lte', idempotencyKey: 'k-lost', purchase: parsePurchase(purchaseBody()), answerOf: (o) => ({ status: 201, body: o }) });
  assert.equal(again.kind, 'complete');
  if (again.kind !== 'complete' || first.kind !== 'complete') return;
  assert.deepEqual(again.items, first.items);
  // That answer is kept now: the next repeat replays it.
  assert.equal((await world.engine.placeOrder({ appId: 'lte', idempotencyKey: 'k-lost', purchase: parsePurchase(purchaseBody()), answerOf: () => assert.fail('kept already') })).kind, 'replay');
});

test('processSync reports a failed background step with the step and message', async (t) => {
  const world = await lteWorld(t);
  const outcome = await world.purchase(purchaseBody({ payment: { gateway: 'payway', token: 'tok_capture_fail' } }), 'k-f', 'lte');
  assert.equal(outcome.kind, 'failed');
  if (outcome.kind !== 'failed') return;
  assert.equal(outcome.items[0].failedStep, 'CCFUNDCAPTURE');
  assert.equal(outcome.items[0].status, 'failed');
});

test('processSync past its deadline answers as split mode and provisioning goes on', async (t) => {
  const world = await lteWorld(t, { processSyncDeadlineMs: 50 });
  await world.sims.controls.setOutage(true);
  const outcome = await world.purchase(purchaseBody(), 'k-d', 'lte');
  assert.equal(outcome.kind, 'accepted');
  if (outcome.kind !== 'accepted') return;
  await world.sims.controls.setOutage(false);
  assert.equal((await world.settled(outcome.items[0].itemId)).status, 'complete');
});

test('repeats of a processSync order whose answer was never kept: one waits, one meanwhile is 409, later ones replay what the first kept', async (t) => {
  const world = await lteWorld(t, { processSyncDeadlineMs: 200 });
  await world.sims.controls.setOutage(true);
  // No answer kept, as when the process ends first.
  const first = await world.purchase(purchaseBody(), 'k-r', 'lte');
  assert.equal(first.kind, 'accepted');
  const repeat = () =>
    world.engine.placeOrder({ appId: 'lte', idempotencyKey: 'k-r', purchase: parsePurchase(purchaseBody()), answerOf: (o) => ({ status: o.kind === 'accepted' ? 202 : 201, body: o.kind }) });
  const waiting = repeat();
  assert.equal((await refusal(repeat())).code, 'idempotency-in-flight');
  assert.equal((await waiting).kind, 'accepted', 'past the deadline, as split mode');
  await world.sims.controls.setOutage(false);
  if (first.kind === 'accepted') assert.equal((await world.settled(first.items[0].itemId)).status, 'complete');
  assert.deepEqual(await repeat(), { kind: 'replay', answer: { status: 202, body: 'accepted' } });
});

test('the processSync deadline counts from the request: time spent in the synchronous part is inside it', async (t) => {
  let skew = 0;
  // ADDRSTD "takes" the whole deadline on the engine's clock: nothing of it is left after STARTSTD.
  const world = await lteWorld(t, {
    processSyncDeadlineMs: 5_000,
    clock: () => Date.now() + skew,
    wrapConnectors: (connectors) => ({
      ...connectors,
      addresses: {
        standardize(request, context) {
          skew += 5_000;
          return connectors.addresses.standardize(request, context);
        },
      },
    }),
  });
  await world.sims.controls.setOutage(true);
  const tooLate = new Promise<'waited for the whole deadline again'>((resolve) => setTimeout(resolve, 2_500, 'waited for the whole deadline again'));
  const outcome = await Promise.race([world.purchase(purchaseBody(), 'k-late', 'lte'), tooLate]);
  assert.notEqual(outcome, 'waited for the whole deadline again');
  assert.equal(typeof outcome === 'object' && outcome.kind, 'accepted');
  await world.sims.controls.setOutage(false);
});

test('a shutdown answers a processSync purchase still waiting for provisioning as split mode, at once', async (t) => {
  const world = await lteWorld(t, { processSyncDeadlineMs: 60_000 });
  await world.sims.controls.setOutage(true);
  const placing = world.purchase(purchaseBody(), 'k-down', 'lte');
  while (world.engine.listEvents({ typeCode: 3, status: 2 }).items.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  world.engine.releaseWaits();
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'still waiting'>((resolve) => (timer = setTimeout(resolve, 3_000, 'still waiting')));
  const outcome = await Promise.race([placing, stuck]);
  clearTimeout(timer);
  assert.equal(typeof outcome === 'object' && outcome.kind, 'accepted');
});

test("a repeat of a processSync order whose answer was never kept waits its own deadline for the end", async (t) => {
  // CHGEMAILPREF, the last step, is held until the test lets it go: the first request answers
  // at its deadline, and the repeat is still waiting when the item then completes.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const world = await lteWorld(t, {
    processSyncDeadlineMs: 1_000,
    wrapConnectors: (connectors) => ({
      ...connectors,
      preferences: {
        subscribe: async (request, context) => {
          await held;
          return connectors.preferences.subscribe(request, context);
        },
      },
    }),
  });
  const first = await world.purchase(purchaseBody(), 'k-slow', 'lte'); // no answer kept
  assert.equal(first.kind, 'accepted', 'past its deadline, as split mode');
  const again = world.engine.placeOrder({ appId: 'lte', idempotencyKey: 'k-slow', purchase: parsePurchase(purchaseBody()), answerOf: (o) => ({ status: 201, body: o.kind }) });
  release();
  assert.equal((await again).kind, 'complete', 'the repeat waited for the end, as the first request would have');
});

test('processSync with one item failing and one complete answers failed', async (t) => {
  const world = await lteWorld(t);
  await world.engine.putOffer({ offerId: 'sunday', name: 'Sunday', rateCode: 'SUNDAY-ONLY', price: 499 });
  const outcome = await world.purchase(purchaseBody({ items: [{ offerId: 'daily-digital' }, { offerId: 'sunday' }] }), 'k-2', 'lte');
  assert.equal(outcome.kind, 'failed');
});
