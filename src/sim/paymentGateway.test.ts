import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callOf, openTestWorld, permanent, transient } from '../../test/helpers/simWorld.ts';

test('approves any tok_ token: authorize, capture and update, each in the ledger of its gateway', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const payway = connectors.gateways.payway;
  const auth = await payway.authorize({ token: 'tok_visa', amount: 999 }, callOf('i1', 'AUTHCC'));
  assert.equal(auth.amount, 999);
  const capture = await payway.capture({ authorizationId: auth.authorizationId, amount: 999 }, callOf('i1', 'CCFUNDCAPTURE'));
  assert.equal(capture.amount, 999);
  assert.deepEqual(
    await payway.updateTransaction({ authorizationId: auth.authorizationId, accountNumber: '100000001', paymentId: 'pay-1' }, callOf('i1', 'UPDATEPAYMENTTRAN')),
    { updated: true },
  );
  const other = await connectors.gateways.braintree.authorize({ token: 'tok_mastercard', amount: 1299 }, callOf('i2', 'AUTHCC'));
  assert.notEqual(other.authorizationId, auth.authorizationId);

  assert.deepEqual(
    controls.ledger().map(({ system, operation, itemId, idempotencyKey, calls, amount }) => ({ system, operation, itemId, idempotencyKey, calls, amount })),
    [
      { system: 'payway', operation: 'authorize', itemId: 'i1', idempotencyKey: 'i1/AUTHCC', calls: 1, amount: 999 },
      { system: 'payway', operation: 'capture', itemId: 'i1', idempotencyKey: 'i1/CCFUNDCAPTURE', calls: 1, amount: 999 },
      { system: 'payway', operation: 'update-transaction', itemId: 'i1', idempotencyKey: 'i1/UPDATEPAYMENTTRAN', calls: 1, amount: undefined },
      { system: 'braintree', operation: 'authorize', itemId: 'i2', idempotencyKey: 'i2/AUTHCC', calls: 1, amount: 1299 },
    ],
  );
});

test('tok_decline: authorize fails permanently as a declined card, and nothing is recorded', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  await assert.rejects(
    connectors.gateways.payway.authorize({ token: 'tok_decline', amount: 999 }, callOf('i1', 'AUTHCC')),
    permanent('bad-user-data', 'card-declined', /declined/),
  );
  assert.deepEqual(controls.ledger(), []);
});

test('refuses a card number or anything else that is not a token', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  await assert.rejects(
    connectors.gateways.payway.authorize({ token: '4242424242424242', amount: 999 }, callOf('i1', 'AUTHCC')),
    permanent('bad-user-data', 'invalid-token'),
  );
  assert.deepEqual(controls.ledger(), []);
});

test('tok_capture_fail: authorize succeeds, capture fails permanently (third-party), and the authorization can still be voided', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const braintree = connectors.gateways.braintree;
  const auth = await braintree.authorize({ token: 'tok_capture_fail', amount: 2499 }, callOf('i1', 'AUTHCC'));
  await assert.rejects(
    braintree.capture({ authorizationId: auth.authorizationId, amount: 2499 }, callOf('i1', 'CCFUNDCAPTURE')),
    permanent('third-party', 'capture-failed'),
  );
  assert.deepEqual(await braintree.void({ authorizationKey: 'i1/AUTHCC' }, callOf('i1', 'void')), { voided: true, amount: 2499 });
  assert.deepEqual(controls.ledger().map((e) => e.operation), ['authorize', 'void']);
});

test('tok_flaky: every payment call fails transiently twice per idempotency key, then succeeds', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const payway = connectors.gateways.payway;
  const authorize = () => payway.authorize({ token: 'tok_flaky', amount: 999 }, callOf('i1', 'AUTHCC'));
  await assert.rejects(authorize(), transient);
  await assert.rejects(authorize(), transient);
  assert.deepEqual(controls.ledger(), [], 'a refused call records no effect');
  const auth = await authorize();

  const capture = () => payway.capture({ authorizationId: auth.authorizationId, amount: 999 }, callOf('i1', 'CCFUNDCAPTURE'));
  await assert.rejects(capture(), transient);
  await assert.rejects(capture(), transient);
  await capture();

  const update = () => payway.updateTransaction({ authorizationId: auth.authorizationId, accountNumber: '1', paymentId: 'p' }, callOf('i1', 'UPDATEPAYMENTTRAN'));
  await assert.rejects(update(), transient);
  await assert.rejects(update(), transient);
  await update();

  // The performed call's key keeps its result: no more failures, and `calls` counts all three and the replay.
  assert.deepEqual(await authorize(), auth);
  assert.deepEqual(
    controls.ledger().map((e) => [e.operation, e.calls]),
    [['authorize', 4], ['capture', 3], ['update-transaction', 3]],
  );
});

test('tok_flaky counts per key across a restart', async (t) => {
  const world = openTestWorld(t);
  const authorize = () => world.connectors.gateways.payway.authorize({ token: 'tok_flaky', amount: 999 }, callOf('i1', 'AUTHCC'));
  await assert.rejects(authorize(), transient);
  await world.reopen();
  await assert.rejects(authorize(), transient);
  await authorize();
  assert.equal(world.controls.ledger()[0]?.calls, 3);
});

test('tok_update_fail: capture succeeds, the update fails permanently (third-party), and a refund returns the captured amount', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const payway = connectors.gateways.payway;
  const auth = await payway.authorize({ token: 'tok_update_fail', amount: 1299 }, callOf('i1', 'AUTHCC'));
  await payway.capture({ authorizationId: auth.authorizationId, amount: 1299 }, callOf('i1', 'CCFUNDCAPTURE'));
  await assert.rejects(
    payway.updateTransaction({ authorizationId: auth.authorizationId, accountNumber: '100000001', paymentId: 'pay-1' }, callOf('i1', 'UPDATEPAYMENTTRAN')),
    permanent('third-party', 'update-failed'),
  );
  const refund = await payway.refund({ authorizationId: auth.authorizationId }, callOf('i1', 'refund'));
  assert.equal(refund.amount, 1299);
  assert.deepEqual(
    controls.ledger().map((e) => [e.operation, e.amount]),
    [['authorize', 1299], ['capture', 1299], ['refund', 1299]],
  );
});

test('tok_unavailable: every payment call fails transiently, for ever, and a void finds nothing to void', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  for (let i = 0; i < 5; i++) {
    await assert.rejects(connectors.gateways.braintree.authorize({ token: 'tok_unavailable', amount: 999 }, callOf('i1', 'AUTHCC')), transient);
  }
  assert.deepEqual(await connectors.gateways.braintree.void({ authorizationKey: 'i1/AUTHCC' }, callOf('i1', 'void')), { voided: false, amount: 0 });
  assert.deepEqual(controls.ledger(), []);
});

test('captures at most the authorized amount', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const payway = connectors.gateways.payway;
  const auth = await payway.authorize({ token: 'tok_visa', amount: 999 }, callOf('i1', 'AUTHCC'));
  await assert.rejects(
    payway.capture({ authorizationId: auth.authorizationId, amount: 1000 }, callOf('i1', 'CCFUNDCAPTURE')),
    permanent('third-party', 'amount-exceeds-authorization', /at most the 999 cents/),
  );
  assert.equal((await payway.capture({ authorizationId: auth.authorizationId, amount: 500 }, callOf('i1', 'CCFUNDCAPTURE'))).amount, 500);
  assert.deepEqual(controls.ledger().map((e) => [e.operation, e.amount]), [['authorize', 999], ['capture', 500]]);
});

test('a void with no authorization under the key answers voided: false and records nothing', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  assert.deepEqual(await connectors.gateways.payway.void({ authorizationKey: 'never/AUTHCC' }, callOf('never', 'void')), { voided: false, amount: 0 });
  assert.deepEqual(controls.ledger(), []);
});

test('voids the authorization made under a key, once; a capture after it is refused', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const payway = connectors.gateways.payway;
  const auth = await payway.authorize({ token: 'tok_visa', amount: 999 }, callOf('i1', 'AUTHCC'));
  assert.deepEqual(await payway.void({ authorizationKey: 'i1/AUTHCC' }, callOf('i1', 'void')), { voided: true, amount: 999 });
  assert.deepEqual(await payway.void({ authorizationKey: 'i1/AUTHCC' }, callOf('i1', 'void')), { voided: true, amount: 999 });
  await assert.rejects(payway.capture({ authorizationId: auth.authorizationId, amount: 999 }, callOf('i1', 'CCFUNDCAPTURE')), permanent('third-party', 'authorization-voided'));
  assert.deepEqual(controls.ledger().map((e) => [e.operation, e.calls, e.amount]), [['authorize', 1, 999], ['void', 2, 999]]);
});

test('refuses to void a captured authorization: it must be refunded', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const payway = connectors.gateways.payway;
  const auth = await payway.authorize({ token: 'tok_visa', amount: 999 }, callOf('i1', 'AUTHCC'));
  await payway.capture({ authorizationId: auth.authorizationId, amount: 999 }, callOf('i1', 'CCFUNDCAPTURE'));
  await assert.rejects(payway.void({ authorizationKey: 'i1/AUTHCC' }, callOf('i1', 'void')), permanent('third-party', 'already-captured', /refund/));
  const refund = await payway.refund({ authorizationId: auth.authorizationId }, callOf('i1', 'refund'));
  assert.deepEqual(await payway.refund({ authorizationId: auth.authorizationId }, callOf('i1', 'refund')), refund);
  await assert.rejects(payway.refund({ authorizationId: auth.authorizationId }, callOf('i1', 'refund-again')), permanent('third-party', 'already-refunded'));
  assert.deepEqual(controls.ledger().map((e) => [e.operation, e.calls]), [['authorize', 1], ['capture', 1], ['refund', 2]]);
});

test('refuses to refund what was never captured, and to act on an unknown authorization', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const payway = connectors.gateways.payway;
  const auth = await payway.authorize({ token: 'tok_visa', amount: 999 }, callOf('i1', 'AUTHCC'));
  await assert.rejects(payway.refund({ authorizationId: auth.authorizationId }, callOf('i1', 'refund')), permanent('third-party', 'not-captured', /void it instead/));
  await assert.rejects(payway.capture({ authorizationId: 'pw_auth_404', amount: 1 }, callOf('i1', 'CCFUNDCAPTURE')), permanent('third-party', 'unknown-authorization'));
  // Each gateway knows only its own authorizations.
  await assert.rejects(
    connectors.gateways.braintree.capture({ authorizationId: auth.authorizationId, amount: 999 }, callOf('i1', 'CCFUNDCAPTURE')),
    permanent('third-party', 'unknown-authorization'),
  );
  assert.equal(controls.ledger().length, 1);
});
