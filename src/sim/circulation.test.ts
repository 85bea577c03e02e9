import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address, Circulation } from '../domain/index.ts';
import { RATE_CODES } from './circulation.ts';
import { callOf, openTestWorld, permanent, transient } from '../../test/helpers/simWorld.ts';

const address: Address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

test('finds occupants by exact email, or by email in any case when not exact', async (t) => {
  const { connectors } = openTestWorld(t);
  const circulation = connectors.circulation;
  const jane = await circulation.createOccupant({ firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER'));
  const janet = await circulation.createOccupant({ firstName: 'Janet', lastName: 'Roe', email: 'Jane@Example.com' }, callOf('i2', 'CREATESUBSCRIBER'));
  await circulation.createOccupant({ firstName: 'John', lastName: 'Doe', email: 'jane@example.com.au' }, callOf('i3', 'CREATESUBSCRIBER'));

  const exact = await circulation.findOccupants({ email: 'jane@example.com', exact: true }, callOf('i4', 'FINDADDRESSOCCUPANT'));
  assert.deepEqual(exact.occupants, [{ occupantId: jane.occupantId, firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' }]);
  const loose = await circulation.findOccupants({ email: 'JANE@example.com', exact: false }, callOf('i4', 'FINDADDRESSOCCUPANT'));
  assert.deepEqual(loose.occupants.map((o) => o.occupantId), [jane.occupantId, janet.occupantId]);
  assert.deepEqual((await circulation.findOccupants({ email: 'nobody@example.com', exact: false }, callOf('i5', 'FINDADDRESSOCCUPANT'))).occupants, []);
});

test("refuses a name with a character other than letters, spaces and hyphens, naming the field and the character", async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const circulation = connectors.circulation;
  await assert.rejects(
    circulation.createOccupant({ firstName: 'Jane', lastName: "Doe's", email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER')),
    permanent('bad-user-data', 'invalid-character', `lastName contains "'", which the circulation system does not accept (letters, spaces and hyphens only)`),
  );
  await assert.rejects(
    circulation.createOccupant({ firstName: 'J4ne', lastName: 'Doe', email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER')),
    permanent('bad-user-data', 'invalid-character', /^firstName contains "4"/),
  );
  assert.deepEqual(controls.ledger(), []);
  assert.deepEqual((await circulation.findOccupants({ email: 'jane@example.com', exact: true }, callOf('i1', 'FINDADDRESSOCCUPANT'))).occupants, []);

  // The refused key serves again once the CSR has fixed the name.
  const fixed = await circulation.createOccupant({ firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER'));
  assert.deepEqual(controls.ledger().map((e) => [e.operation, e.idempotencyKey, e.calls]), [['create-occupant', 'i1/CREATESUBSCRIBER', 1]]);
  assert.match(fixed.occupantId, /\S/);
});

test('accepts letters of any script, spaces and hyphens in names', async (t) => {
  const { connectors } = openTestWorld(t);
  const names = [['Zoë', 'Ångström'], ['José María', 'García-Márquez'], ['Renée', 'Ōtsuka'], ['Dmitri', 'Шостакович'], ['Anne\u2010Marie', 'Smith\u2011Jones']];
  for (const [i, [firstName, lastName]] of names.entries()) {
    await connectors.circulation.createOccupant({ firstName: firstName!, lastName: lastName!, email: `p${i}@example.com` }, callOf(`i${i}`, 'CREATESUBSCRIBER'));
  }
});

test('adds a subscription for each known rate code, with a permanent account number of digits', async (t) => {
  const { connectors } = openTestWorld(t);
  const circulation = connectors.circulation;
  const { occupantId } = await circulation.createOccupant({ firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER'));
  const { addressId } = await circulation.addAddress({ occupantId, address }, callOf('i1', 'ADDADDRESSOCCUPANT'));
  const numbers: string[] = [];
  for (const rateCode of ['DIGITAL-MONTHLY', 'PRINT-7DAY', 'WEEKEND-2DAY']) {
    const { accountNumber } = await circulation.addSubscription({ occupantId, addressId, rateCode }, callOf(`i-${rateCode}`, 'ADDSUBSCRIPTION'));
    assert.match(accountNumber, /^\d+$/);
    numbers.push(accountNumber);
  }
  assert.equal(new Set(numbers).size, 3);
  assert.deepEqual([...RATE_CODES].sort(), ['DIGITAL-MONTHLY', 'PRINT-7DAY', 'WEEKEND-2DAY']);
});

test('refuses an unknown rate code as bad offer setup, naming it', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const circulation = connectors.circulation;
  const { occupantId } = await circulation.createOccupant({ firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER'));
  const { addressId } = await circulation.addAddress({ occupantId, address }, callOf('i1', 'ADDADDRESSOCCUPANT'));
  await assert.rejects(
    circulation.addSubscription({ occupantId, addressId, rateCode: 'GOLD-ANNUAL' }, callOf('i1', 'ADDSUBSCRIPTION')),
    permanent('bad-offer-setup', 'unknown-rate-code', /"GOLD-ANNUAL"/),
  );
  // Sorted: the ledger orders by performedAt, and two effects of one millisecond by their keys.
  assert.deepEqual(controls.ledger().map((e) => e.operation).sort(), ['add-address', 'create-occupant']);
});

test('records a payment and stops a subscription', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const circulation = connectors.circulation;
  const { addressId, accountNumber } = await subscribeJane(circulation);
  await circulation.recordPayment({ accountNumber, amount: 2499, authorizationId: 'pw_auth_1' }, callOf('i1', 'PAYMENTNEWSTART'));
  assert.deepEqual(await circulation.stopSubscription({ accountNumber }, callOf('i1', 'stop-subscription')), { stopped: true, accountNumber });
  await assert.rejects(circulation.stopSubscription({ accountNumber: '999' }, callOf('i2', 'stop-subscription')), permanent('third-party', 'unknown-account'));
  await assert.rejects(
    circulation.addSubscription({ occupantId: 'occ-404', addressId, rateCode: 'PRINT-7DAY' }, callOf('i3', 'ADDSUBSCRIPTION')),
    permanent('third-party', 'unknown-occupant'),
  );
  assert.deepEqual(
    controls.ledger({ itemId: 'i1' }).map((e) => [e.system, e.operation, e.amount]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      ['circulation', 'add-address', undefined],
      ['circulation', 'add-subscription', undefined],
      ['circulation', 'create-occupant', undefined],
      ['circulation', 'record-payment', 2499],
      ['circulation', 'stop-subscription', undefined],
    ],
  );
});

test('while the outage is on, every circulation call fails transiently and does nothing; once off, the same keys serve', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const circulation = connectors.circulation;
  const { occupantId } = await circulation.createOccupant({ firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' }, callOf('i0', 'CREATESUBSCRIBER'));
  const { addressId } = await circulation.addAddress({ occupantId, address }, callOf('i0', 'ADDADDRESSOCCUPANT'));
  const { accountNumber } = await circulation.addSubscription({ occupantId, addressId, rateCode: 'WEEKEND-2DAY' }, callOf('i0', 'ADDSUBSCRIPTION'));
  const before = controls.ledger();

  await controls.setOutage(true);
  assert.equal(controls.outage(), true);
  const calls = {
    findOccupants: () => circulation.findOccupants({ email: 'ann@example.com', exact: true }, callOf('i1', 'FINDADDRESSOCCUPANT')),
    createOccupant: () => circulation.createOccupant({ firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER')),
    addAddress: () => circulation.addAddress({ occupantId, address }, callOf('i1', 'ADDADDRESSOCCUPANT')),
    addSubscription: () => circulation.addSubscription({ occupantId, addressId, rateCode: 'DIGITAL-MONTHLY' }, callOf('i1', 'ADDSUBSCRIPTION')),
    recordPayment: () => circulation.recordPayment({ accountNumber, amount: 1299, authorizationId: 'a' }, callOf('i0', 'PAYMENTNEWSTART')),
    stopSubscription: () => circulation.stopSubscription({ accountNumber }, callOf('i0', 'stop-subscription')),
    replayOfPerformedKey: () => circulation.addSubscription({ occupantId, addressId, rateCode: 'WEEKEND-2DAY' }, callOf('i0', 'ADDSUBSCRIPTION')),
  };
  for (const [name, call] of Object.entries(calls)) await assert.rejects(call(), transient, name);
  assert.deepEqual(controls.ledger(), before, 'nothing done, nothing counted during the outage');

  await controls.setOutage(false);
  assert.equal(controls.outage(), false);
  for (const [name, call] of Object.entries(calls)) await assert.doesNotReject(call(), name);
  assert.deepEqual(
    controls.ledger().map((e) => `${e.operation} ${e.idempotencyKey} ${e.calls}`).sort(),
    [
      'add-address i0/ADDADDRESSOCCUPANT 1',
      'add-address i1/ADDADDRESSOCCUPANT 1',
      'add-subscription i0/ADDSUBSCRIPTION 2',
      'add-subscription i1/ADDSUBSCRIPTION 1',
      'create-occupant i0/CREATESUBSCRIBER 1',
      'create-occupant i1/CREATESUBSCRIBER 1',
      'record-payment i0/PAYMENTNEWSTART 1',
      'stop-subscription i0/stop-subscription 1',
    ],
  );
});

test('the outage switch holds across a restart, and address standardization keeps working during it', async (t) => {
  const world = openTestWorld(t);
  await world.controls.setOutage(true);
  await world.reopen();
  assert.equal(world.controls.outage(), true);
  await assert.rejects(world.connectors.circulation.findOccupants({ email: 'a@example.com', exact: true }, callOf('i1', 'FINDADDRESSOCCUPANT')), transient);
  assert.equal((await world.connectors.addresses.standardize({ address, field: 'deliveryAddress' }, callOf('i1', 'ADDRSTD'))).address.city, 'Springfield');
});

test("stops the subscription an ADDSUBSCRIPTION key made, for a caller that never heard its number; none made, nothing to stop", async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const circulation = connectors.circulation;
  const { accountNumber } = await subscribeJane(circulation);
  const stop = (item: string) => circulation.stopSubscription({ subscriptionKey: `${item}/ADDSUBSCRIPTION` }, callOf(item, 'stop-subscription'));
  assert.deepEqual(await stop('i1'), { stopped: true, accountNumber });
  assert.deepEqual(await stop('i2'), { stopped: false }, 'no subscription under that key');
  assert.deepEqual(controls.ledger().map((e) => [e.itemId, e.operation]).filter(([, op]) => op === 'stop-subscription'), [['i1', 'stop-subscription']]);
  const other = await circulation.stopSubscription({ subscriptionKey: 'i1/CREATESUBSCRIBER' }, callOf('i3', 'stop-subscription'));
  assert.deepEqual(other, { stopped: false }, 'a key that made something else made no subscription');
});

/** Jane's occupant, address and PRINT-7DAY subscription, made under item i1's keys. */
async function subscribeJane(circulation: Circulation) {
  const { occupantId } = await circulation.createOccupant({ firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' }, callOf('i1', 'CREATESUBSCRIBER'));
  const { addressId } = await circulation.addAddress({ occupantId, address }, callOf('i1', 'ADDADDRESSOCCUPANT'));
  const { accountNumber } = await circulation.addSubscription({ occupantId, addressId, rateCode: 'PRINT-7DAY' }, callOf('i1', 'ADDSUBSCRIPTION'));
  return { occupantId, addressId, accountNumber };
}
