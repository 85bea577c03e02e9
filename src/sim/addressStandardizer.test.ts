import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callOf, openTestWorld, permanent } from '../../test/helpers/simWorld.ts';

test('returns the address tidied: trimmed, single-spaced, city in title case', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const { address } = await connectors.addresses.standardize(
    { address: { line1: '  1   Main St ', line2: ' ', unit: ' 4b', city: 'winston-SALEM  ', postalCode: ' 27101 ', country: 'us' }, field: 'deliveryAddress' },
    callOf('i1', 'ADDRSTD'),
  );
  assert.deepEqual(address, { line1: '1 Main St', unit: '4B', city: 'Winston-Salem', postalCode: '27101', country: 'US' });
  assert.deepEqual(controls.ledger(), [], 'standardization is not an effect');
});

test('refuses postal code 00000 as undeliverable, naming the address field', async (t) => {
  const { connectors } = openTestWorld(t);
  const address = { line1: '1 Main St', city: 'Springfield', postalCode: '00000', country: 'US' };
  await assert.rejects(
    connectors.addresses.standardize({ address, field: 'deliveryAddress' }, callOf('i1', 'ADDRSTD')),
    permanent('bad-user-data', 'undeliverable', /deliveryAddress\.postalCode/),
  );
  await assert.rejects(
    connectors.addresses.standardize({ address, field: 'billingAddress' }, callOf('i1', 'ADDRSTD')),
    permanent('bad-user-data', 'undeliverable', /billingAddress\.postalCode/),
  );
});
