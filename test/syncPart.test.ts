// The synchronous part of a purchase (SPEC §3, §4, §9): all-or-nothing per order, its failures
// answered at once, idempotency keys claimed before any call, kept with a refusal that is the
// answer for good and released when the third parties could not answer.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, Refusal, TransientError, parsePurchase, type Connectors } from '../src/domain/index.ts';
import { createEngine } from '../src/engine/index.ts';
import { createSimulators } from '../src/sim/index.ts';
import { openStore, openThirdPartyStore } from '../src/store/index.ts';
import { join } from 'node:path';
import { createWorld, purchaseBody, refusal } from './helpers/world.ts';
import { tempDir } from './helpers/tempDir.ts';

/**
 * An engine stopped during the synchronous part of a purchase under the key `k-stopped`: the card
 * is authorized and its answer on its way. `placing` settles with 'accepted' or the error.
 */
async function stopDuringSyncPart(t: TestContext, prefix: string): Promise<{ dir: string; placing: Promise<unknown> }> {
  const dir = tempDir(t, prefix);
  const first = await createWorld(t, { syncBudgetMs: 5_000 }, dir);
  first.sims.controls.setLatency(300);
  const placing = first.purchase(purchaseBody(), 'k-stopped').then(
    () => 'accepted',
    (error: unknown) => error,
  );
  const authorized = () => first.sims.controls.ledger().some((entry) => entry.operation === 'authorize');
  while (!authorized()) await sleep(5);
  await first.close();
  return { dir, placing };
}

const noStarts = (world: Awaited<ReturnType<typeof createWorld>>) =>
  [1, 2, 3, 9, 11].every((status) => world.engine.listEvents({ typeCode: 3, status: status as 1 }).items.length === 0);

test('a declined card answers declined and leaves nothing for the Event Viewer', async (t) => {
  const world = await createWorld(t);
  await world.engine.putOffer({ offerId: 'free-week', name: 'Free Week', rateCode: 'WEEKEND-2DAY', price: 0 });
  const declined = purchaseBody({ payment: { gateway: 'payway', token: 'tok_decline' } });
  const error = await refusal(world.purchase(declined, 'k-declined'));
  assert.equal(error.code, 'declined');
  assert.ok(noStarts(world));
  assert.deepEqual(world.sims.controls.ledger(), [], 'a declined authorization performs nothing');
  await assertRefusalKept(world, 'k-declined', declined, error);
});

/**
 * The refusal is the key's first answer (SPEC §4): the same body gets it again, another body (the
 * fix) is refused as a reused key, and the fix goes through under a new key.
 */
async function assertRefusalKept(world: Awaited<ReturnType<typeof createWorld>>, key: string, body: Record<string, unknown>, first: Refusal) {
  const again = await refusal(world.purchase(body, key));
  assert.deepEqual([again.code, again.message, again.issues, again.details], [first.code, first.message, first.issues, first.details]);
  assert.equal((await refusal(world.purchase(purchaseBody(), key))).code, 'idempotency-mismatch');
  assert.equal((await world.purchase(purchaseBody(), `${key}-fixed`)).kind, 'accepted');
}

test('all-or-nothing: an authorization already taken for another item is voided', async (t) => {
  // The simulators decline by token, which is the same for every item of an order; a wrapper
  // declines only the 12.99 item so the other's authorization is really taken, then voided.
  const world = await createWorld(t, {
    wrapConnectors: (connectors) => ({
      ...connectors,
      gateways: {
        ...connectors.gateways,
        payway: {
          ...connectors.gateways.payway,
          authorize: (request, context) =>
            request.amount === 1299
              ? Promise.reject(new PermanentError('bad-user-data', 'card-declined', 'card declined for 12.99'))
              : connectors.gateways.payway.authorize(request, context),
        },
      },
    }),
  });
  const body = purchaseBody({ items: [{ offerId: 'daily-digital' }, { offerId: 'weekend' }] });
  const error = await refusal(world.purchase(body, 'k-two'));
  assert.equal(error.code, 'declined');
  assert.ok(noStarts(world));
  const ledger = world.sims.controls.ledger();
  assert.deepEqual(ledger.map((e) => [e.operation, e.amount]), [['authorize', 999], ['void', 999]]);
  assert.equal(ledger[0].itemId, ledger[1].itemId);
  assert.equal(world.store.listPendingOrders().length, 0);
  // The same key again is refused as it was, without a new order authorizing anything.
  assert.equal((await refusal(world.purchase(body, 'k-two'))).message, error.message);
  assert.equal(world.sims.controls.ledger().length, 2);
});

test('an undeliverable billing address fails the order before any authorization', async (t) => {
  const world = await createWorld(t);
  const error = await refusal(
    world.purchase(purchaseBody({ billingAddress: { line1: '2 Side St', city: 'Nowhere', postalCode: '00000', country: 'US' }, items: [{ offerId: 'daily-digital' }, { offerId: 'weekend' }] })),
  );
  assert.equal(error.code, 'invalid');
  assert.deepEqual(error.issues.map((i) => i.path), ['billingAddress.postalCode']);
  assert.ok(noStarts(world));
  assert.deepEqual(world.sims.controls.ledger(), []);
});

test('an undeliverable address answers invalid and calls nothing else', async (t) => {
  const world = await createWorld(t);
  const undeliverable = purchaseBody({ deliveryAddress: { line1: '1 Main', city: 'X', postalCode: '00000', country: 'US' } });
  const error = await refusal(world.purchase(undeliverable, 'k-undeliverable'));
  assert.equal(error.code, 'invalid');
  assert.equal(error.details.failedStep, 'ADDRSTD');
  assert.deepEqual(error.issues.map((i) => i.path), ['deliveryAddress.postalCode']);
  assert.ok(noStarts(world));
  await assertRefusalKept(world, 'k-undeliverable', undeliverable, error);
});

test('a repeated key gets its first answer even after its offer stopped being complimentary', async (t) => {
  const world = await createWorld(t);
  await world.engine.putOffer({ offerId: 'free-week', name: 'Free Week', rateCode: 'WEEKEND-2DAY', price: 0 });
  const body = purchaseBody({ payment: undefined, items: [{ offerId: 'free-week' }] });
  const first = await world.purchase(body, 'k-free');
  assert.ok(first.kind === 'accepted');
  await world.engine.putOffer({ offerId: 'free-week', name: 'Free Week', rateCode: 'WEEKEND-2DAY', price: 499 });
  const again = await world.purchase(body, 'k-free');
  assert.ok(again.kind === 'accepted');
  assert.equal(again.orderId, first.orderId, 'the first order, not a new one');
  // A new key with that body is a new purchase, which now needs a payment.
  const error = await refusal(world.purchase(body, 'k-free-new'));
  assert.deepEqual(error.issues.map((i) => i.path), ['payment']);
});

test('a gateway that stays unavailable answers 503 after the in-request budget and releases the key', async (t) => {
  const world = await createWorld(t, { syncBudgetMs: 100 });
  const error = await refusal(world.purchase(purchaseBody({ payment: { gateway: 'payway', token: 'tok_unavailable' } }), 'k-503'));
  assert.equal(error.code, 'unavailable');
  assert.equal(world.store.getIdempotencyRecord('shop', 'k-503'), undefined);
  assert.ok(noStarts(world));
  const again = await world.purchase(purchaseBody(), 'k-503');
  assert.equal(again.kind, 'accepted', 'the client may retry with the same key');
});

test('an authorization that does not answer is given up at the in-request deadline (503); the void waits for it, then voids it', async (t) => {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const calls: string[] = [];
  // The gateway takes the authorization only when the test lets it answer, long after the deadline.
  const slowAuthorizations = (connectors: Connectors): Connectors => {
    const payway = connectors.gateways.payway;
    const authorize: typeof payway.authorize = async (request, context) => {
      await answered;
      const reply = await payway.authorize(request, context);
      calls.push('authorize answered');
      return reply;
    };
    const voidAuthorization: typeof payway.void = (request, context) => {
      calls.push('void called');
      return payway.void(request, context);
    };
    return { ...connectors, gateways: { ...connectors.gateways, payway: Object.assign(Object.create(payway), { authorize, void: voidAuthorization }) } };
  };
  // With a call timeout past the test's own, only the in-request deadline can answer this purchase.
  const world = await createWorld(t, { wrapConnectors: slowAuthorizations, syncBudgetMs: 300, callTimeoutMs: 600_000 });
  const error = await refusal(world.purchase(purchaseBody(), 'k-hang'));
  const callsAtAnswer = [...calls];
  const keyAtAnswer = world.store.getIdempotencyRecord('shop', 'k-hang');
  answer(); // first: a failed assertion must not leave the authorization hanging for the call timeout
  assert.equal(error.code, 'unavailable');
  assert.deepEqual(callsAtAnswer, [], 'answered while the authorization is still on its way, and no void overtook it');
  assert.equal(keyAtAnswer, undefined, 'the key is released before the answer');
  for (let waited = 0; world.sims.controls.ledger().length < 2; waited += 20) {
    assert.ok(waited < 5_000, 'the void follows the late authorization');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(calls, ['authorize answered', 'void called']);
  assert.deepEqual(world.sims.controls.ledger().map((e) => e.operation), ['authorize', 'void']);
});

test("a 503 after the budget answers once the other items' authorizations are voided", async (t) => {
  // The weekend item's authorization fails transiently for ever; the daily-digital one is taken.
  const oneUnavailable = (connectors: Connectors): Connectors => {
    const payway = connectors.gateways.payway;
    const authorize: typeof payway.authorize = (request, context) =>
      request.amount === 1299 ? Promise.reject(new TransientError('try later')) : payway.authorize(request, context);
    return { ...connectors, gateways: { ...connectors.gateways, payway: Object.assign(Object.create(payway), { authorize }) } };
  };
  const world = await createWorld(t, { wrapConnectors: oneUnavailable, syncBudgetMs: 200 });
  const error = await refusal(world.purchase(purchaseBody({ items: [{ offerId: 'daily-digital' }, { offerId: 'weekend' }] }), 'k-two'));
  assert.equal(error.code, 'unavailable');
  assert.deepEqual(world.sims.controls.ledger().map((e) => e.operation), ['authorize', 'void'], 'voided before the answer');
  assert.equal(world.store.getIdempotencyRecord('shop', 'k-two'), undefined);
});

test('an engine stopping waits for an authorization it gave up on, so the next engine voids it', async (t) => {
  const dir = tempDir(t, 'sync-restart-');
  const store = openStore(dir);
  const thirdParty = openThirdPartyStore(join(dir, 'third-parties'));
  const sims = createSimulators({ store: thirdParty });
  t.after(async () => {
    await store.close();
    await thirdParty.close();
  });
  const payway = sims.connectors.gateways.payway;
  // A gateway that takes the authorization late, after the 503 (which waits up to a second for voids).
  const authorize: typeof payway.authorize = (request, context) => new Promise((resolve) => setTimeout(resolve, 1_500)).then(() => payway.authorize(request, context));
  const slow: Connectors = { ...sims.connectors, gateways: { ...sims.connectors.gateways, payway: Object.assign(Object.create(payway), { authorize }) } };
  const first = createEngine({ store, connectors: slow, syncBudgetMs: 200 });
  await first.putApp({ id: 'shop', name: 'Shop', processSync: false, lookupStrategy: 'email-only' });
  await first.start();
  assert.equal((await refusal(first.placeOrder({ appId: 'shop', idempotencyKey: 'k', purchase: parsePurchase(purchaseBody()) }))).code, 'unavailable');
  assert.deepEqual(sims.controls.ledger(), [], 'still on its way at the answer');
  await first.stop(); // a deploy, with the authorization still on its way
  assert.deepEqual(sims.controls.ledger().map((e) => e.operation), ['authorize'], 'the stop waited for it');
  const second = createEngine({ store, connectors: sims.connectors, syncBudgetMs: 200 });
  await second.start();
  for (let waited = 0; sims.controls.ledger().length < 2; waited += 20) {
    assert.ok(waited < 5_000, 'the next engine voids it');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await second.stop();
  assert.deepEqual(sims.controls.ledger().map((e) => e.operation), ['authorize', 'void']);
});

test('a purchase naming an unknown offer is refused before anything runs', async (t) => {
  const world = await createWorld(t);
  const error = await refusal(world.purchase(purchaseBody({ items: [{ offerId: 'daily-digital' }, { offerId: 'nope' }] })));
  assert.equal(error.code, 'invalid');
  assert.deepEqual(error.issues.map((i) => i.path), ['items[1].offerId']);
  assert.deepEqual(world.sims.controls.ledger(), []);
});

test('payment is required unless every item is complimentary', async (t) => {
  const world = await createWorld(t);
  const error = await refusal(world.purchase(purchaseBody({ payment: undefined })));
  assert.deepEqual(error.issues.map((i) => i.path), ['payment']);
});

test('a repeated key returns the first answer; another body is refused; a running one is in flight', async (t) => {
  const world = await createWorld(t);
  const place = () => world.engine.placeOrder({ appId: 'shop', idempotencyKey: 'k-1', purchase: parsePurchase(purchaseBody()), answerOf: (o) => ({ status: 202, body: o }) });
  const running = place();
  const inFlight = await refusal(place());
  assert.equal(inFlight.code, 'idempotency-in-flight');
  const first = await running;
  assert.equal(first.kind, 'accepted');
  const replay = await place();
  assert.deepEqual(replay, { kind: 'replay', answer: { status: 202, body: first } }, 'kept before the first request ended');
  const other = await refusal(world.purchase(purchaseBody({ customerId: 'someone-else' }), 'k-1'));
  assert.equal(other.code, 'idempotency-mismatch');
  assert.equal(world.store.listPendingOrders().length, 0);
});

test('repeats at once of an order whose answer was never kept: the first answer kept is every answer', async (t) => {
  const world = await createWorld(t);
  const first = await world.purchase(purchaseBody(), 'k-twice'); // no answer kept, as when the process ends first
  assert.equal(first.kind, 'accepted');
  let answers = 0;
  const repeat = () =>
    world.engine.placeOrder({ appId: 'shop', idempotencyKey: 'k-twice', purchase: parsePurchase(purchaseBody()), answerOf: () => ({ status: 202, body: ++answers }) });
  const [a, b] = await Promise.all([repeat(), repeat()]);
  assert.equal(answers, 1, 'one answer made and kept');
  assert.equal(a.kind, 'accepted');
  assert.deepEqual(b, { kind: 'replay', answer: { status: 202, body: 1 } });
  assert.deepEqual(world.store.getIdempotencyRecord('shop', 'k-twice')?.answer, { status: 202, body: 1 });
});

test('issue-review-2: a key whose order started but whose answer was never kept answers as split mode after a restart', async (t) => {
  const dir = tempDir(t, 'replay-test-');
  const first = await createWorld(t, {}, dir);
  const outcome = await first.purchase(purchaseBody(), 'k-lost');
  if (outcome.kind !== 'accepted') return assert.fail();
  await first.settled(outcome.items[0].itemId);
  await first.close(); // the answer was never recorded: the process ended first
  const second = await createWorld(t, {}, dir);
  const again = await second.purchase(purchaseBody(), 'k-lost');
  assert.equal(again.kind, 'accepted');
  if (again.kind !== 'accepted') return;
  assert.equal(again.orderId, outcome.orderId, 'the same order, not a new one');
  assert.deepEqual(again.items.map((i) => i.startEventId), outcome.items.map((i) => i.startEventId));
});

test('review: an engine stopping during the synchronous part answers the purchase unavailable at once; after a restart the order is aborted, its authorization voided and its key free', async (t) => {
  const { dir, placing } = await stopDuringSyncPart(t, 'stop-sync-test-');
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'still waiting'>((resolve) => (timer = setTimeout(resolve, 3_000, 'still waiting')));
  const answer = await Promise.race([placing, stuck]);
  clearTimeout(timer);
  assert.ok(answer instanceof Refusal, `answered with a refusal, not ${String(answer)}`);
  assert.equal(answer.code, 'unavailable');

  const second = await createWorld(t, {}, dir);
  const voids = () => second.sims.controls.ledger().filter((entry) => entry.operation === 'void');
  while (voids().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(second.sims.controls.ledger().filter((entry) => entry.operation === 'authorize').length, 1);
  assert.ok(noStarts(second), 'nothing for the Event Viewer');
  const again = await second.purchase(purchaseBody(), 'k-stopped');
  assert.equal(again.kind, 'accepted', 'the key runs the purchase afresh');
});

test('after a restart, the key of an order recovery aborted is free at once', async (t) => {
  const { dir, placing } = await stopDuringSyncPart(t, 'sync-abort-key-');
  await placing;
  const second = await createWorld(t, {}, dir);
  const again = await second.purchase(purchaseBody(), 'k-stopped');
  assert.equal(again.kind, 'accepted');
});

test('recovery after a stop in the synchronous part reports one aborted order and no item resumed (the aborted items are not resumed twice)', async (t) => {
  const { dir, placing } = await stopDuringSyncPart(t, 'sync-abort-report-');
  await placing;
  const store = openStore(dir);
  const thirdParty = openThirdPartyStore(join(dir, 'third-parties'));
  const sims = createSimulators({ store: thirdParty });
  const engine = createEngine({ store, connectors: sims.connectors });
  t.after(async () => { await engine.stop(); await store.close(); await thirdParty.close(); });
  const report = await engine.start();
  assert.deepEqual(report, { abortedOrders: 1, resumedItems: 0 });
});

test('an unavailable answer at the deadline still waits a moment for a slow void', async (t) => {
  const wrap = (connectors: Connectors): Connectors => {
    const payway = connectors.gateways.payway;
    const authorize: typeof payway.authorize = (request, context) =>
      request.amount === 1299 ? Promise.reject(new TransientError('try later')) : payway.authorize(request, context);
    const voidAuthorization: typeof payway.void = (request, context) => sleep(300).then(() => payway.void(request, context));
    return { ...connectors, gateways: { ...connectors.gateways, payway: Object.assign(Object.create(payway), { authorize, void: voidAuthorization }) } };
  };
  const world = await createWorld(t, { wrapConnectors: wrap, syncBudgetMs: 200 });
  const error = await refusal(world.purchase(purchaseBody({ items: [{ offerId: 'daily-digital' }, { offerId: 'weekend' }] }), 'k-two'));
  assert.equal(error.code, 'unavailable');
  assert.deepEqual(world.sims.controls.ledger().map((e) => e.operation), ['authorize', 'void'], 'voided before the answer');
});

test('a declined purchase is answered only once its kept refusal is written', async (t) => {
  const world = await createWorld(t, {
    wrapStore: (s) => Object.assign(Object.create(s), {
      commit: async (batch: Parameters<typeof s.commit>[0]) => {
        if (batch.orders?.some((o) => o.status === 'aborted')) await sleep(1_500);
        return s.commit(batch);
      },
    }),
  });
  const declined = purchaseBody({ payment: { gateway: 'payway', token: 'tok_decline' } });
  const error = await refusal(world.purchase(declined, 'k-declined'));
  assert.equal(error.code, 'declined');
  assert.ok(world.store.getIdempotencyRecord('shop', 'k-declined')?.refusal, 'the refusal is kept before the answer');
});
