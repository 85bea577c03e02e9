import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError, type KeyValueStore } from '../domain/index.ts';
import { createSimulators } from './index.ts';
import { callOf, openTestWorld, permanent, transient } from '../../test/helpers/simWorld.ts';

const jane = { firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' };
const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

test('a key called again returns the recorded result, performs nothing and counts the call', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const c = connectors;
  const first = {
    occupant: await c.circulation.createOccupant(jane, callOf('i1', 'CREATESUBSCRIBER')),
    link: await c.registration.linkOwner({ customerId: 'cust-1', accountNumber: '100000001', email: jane.email }, callOf('i1', 'LINKOWNER')),
    preference: await c.preferences.subscribe({ email: jane.email, accountNumber: '100000001' }, callOf('i1', 'CHGEMAILPREF')),
    mail: await c.mailer.send({ to: jane.email, subject: 'Welcome', accountNumber: '100000001' }, callOf('i1', 'mail')),
  };
  const again = {
    occupant: await c.circulation.createOccupant(jane, callOf('i1', 'CREATESUBSCRIBER')),
    link: await c.registration.linkOwner({ customerId: 'cust-1', accountNumber: '100000001', email: jane.email }, callOf('i1', 'LINKOWNER')),
    preference: await c.preferences.subscribe({ email: jane.email, accountNumber: '100000001' }, callOf('i1', 'CHGEMAILPREF')),
    mail: await c.mailer.send({ to: jane.email, subject: 'Welcome', accountNumber: '100000001' }, callOf('i1', 'mail')),
  };
  assert.deepEqual(again, first);
  assert.equal((await c.circulation.findOccupants({ email: jane.email, exact: true }, callOf('i1', 'FINDADDRESSOCCUPANT'))).occupants.length, 1);
  assert.equal(controls.outbox().length, 1);
  assert.deepEqual(
    controls.ledger().map((e) => `${e.system} ${e.operation} ${e.calls}`).sort(),
    ['circulation create-occupant 2', 'mail send 2', 'preferences subscribe 2', 'registration link-owner 2'],
  );
});

test('a refused call is not recorded against its key: the key serves again, and its entry counts the call that performed', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const key = callOf('i1', 'CREATESUBSCRIBER');
  await assert.rejects(connectors.circulation.createOccupant({ ...jane, lastName: "Doe's" }, key), permanent('bad-user-data', 'invalid-character'));
  assert.deepEqual(controls.ledger(), [], 'nothing performed, nothing recorded');
  await connectors.circulation.createOccupant(jane, key);
  assert.deepEqual(controls.ledger().map((e) => [e.idempotencyKey, e.operation, e.calls]), [['i1/CREATESUBSCRIBER', 'create-occupant', 1]]);
});

test('calls with one key in flight at once perform one effect', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  const results = await Promise.all(Array.from({ length: 5 }, () => connectors.circulation.createOccupant(jane, callOf('i1', 'CREATESUBSCRIBER'))));
  assert.equal(new Set(results.map((r) => r.occupantId)).size, 1);
  assert.equal((await connectors.circulation.findOccupants({ email: jane.email, exact: true }, callOf('i1', 'FINDADDRESSOCCUPANT'))).occupants.length, 1);
  assert.deepEqual(controls.ledger().map((e) => e.calls), [5]);
});

test('calls with different keys in flight at once get distinct account numbers', async (t) => {
  const { connectors } = openTestWorld(t);
  const { occupantId } = await connectors.circulation.createOccupant(jane, callOf('i0', 'CREATESUBSCRIBER'));
  const { addressId } = await connectors.circulation.addAddress({ occupantId, address }, callOf('i0', 'ADDADDRESSOCCUPANT'));
  const subscriptions = await Promise.all(
    Array.from({ length: 20 }, (_, i) => connectors.circulation.addSubscription({ occupantId, addressId, rateCode: 'DIGITAL-MONTHLY' }, callOf(`i${i}`, 'ADDSUBSCRIPTION'))),
  );
  assert.equal(new Set(subscriptions.map((s) => s.accountNumber)).size, 20);
});

test('refuses a key already used for another operation', async (t) => {
  const { connectors } = openTestWorld(t);
  await connectors.registration.linkOwner({ customerId: 'c', accountNumber: '1', email: jane.email }, callOf('i1', 'x'));
  const registrationOnly = await connectors.preferences.subscribe({ email: jane.email, accountNumber: '1' }, callOf('i1', 'x'));
  assert.ok(registrationOnly.preferenceId, 'each system has its own keys');
  const occupant = await connectors.circulation.createOccupant(jane, callOf('i1', 'y'));
  await assert.rejects(
    connectors.circulation.addAddress({ occupantId: occupant.occupantId, address }, callOf('i1', 'y')),
    permanent('third-party', 'idempotency-key-reused'),
  );
});

test('state and ledger survive closing and reopening the store', async (t) => {
  const world = openTestWorld(t, { clock: () => Date.parse('2030-01-02T03:04:05.678Z') });
  const { occupantId } = await world.connectors.circulation.createOccupant(jane, callOf('i1', 'CREATESUBSCRIBER'));
  const { addressId } = await world.connectors.circulation.addAddress({ occupantId, address }, callOf('i1', 'ADDADDRESSOCCUPANT'));
  const first = await world.connectors.circulation.addSubscription({ occupantId, addressId, rateCode: 'PRINT-7DAY' }, callOf('i1', 'ADDSUBSCRIPTION'));
  const auth = await world.connectors.gateways.payway.authorize({ token: 'tok_visa', amount: 2499 }, callOf('i1', 'AUTHCC'));
  await world.connectors.mailer.send({ to: jane.email, subject: 'Welcome', accountNumber: first.accountNumber }, callOf('i1', 'mail'));
  const ledger = world.controls.ledger();

  await world.reopen();
  const { connectors, controls } = world;
  assert.deepEqual(controls.ledger(), ledger);
  assert.equal(controls.outbox().length, 1);
  assert.deepEqual((await connectors.circulation.findOccupants({ email: jane.email, exact: true }, callOf('i2', 'FINDADDRESSOCCUPANT'))).occupants.map((o) => o.occupantId), [occupantId]);
  // A replay after the restart gets the same account number; a new subscription gets a new one.
  assert.deepEqual(await connectors.circulation.addSubscription({ occupantId, addressId, rateCode: 'PRINT-7DAY' }, callOf('i1', 'ADDSUBSCRIPTION')), first);
  const second = await connectors.circulation.addSubscription({ occupantId, addressId, rateCode: 'PRINT-7DAY' }, callOf('i2', 'ADDSUBSCRIPTION'));
  assert.notEqual(second.accountNumber, first.accountNumber);
  // The gateway still knows the authorization: it can capture it and void nothing else.
  assert.equal((await connectors.gateways.payway.capture({ authorizationId: auth.authorizationId, amount: 2499 }, callOf('i1', 'CCFUNDCAPTURE'))).amount, 2499);
  assert.equal(controls.ledger().find((e) => e.idempotencyKey === 'i1/ADDSUBSCRIPTION')?.calls, 2);
  assert.equal(controls.ledger()[0]?.performedAt, '2030-01-02T03:04:05.678Z');
});

test('the ledger lists one item, and the outbox one address', async (t) => {
  const { connectors, controls } = openTestWorld(t);
  await connectors.mailer.send({ to: 'Jane@Example.com', subject: 'Welcome', accountNumber: '100000001' }, callOf('i1', 'mail'));
  await connectors.mailer.send({ to: 'john@example.com', subject: 'Welcome', accountNumber: '100000002' }, callOf('i2', 'mail'));
  await connectors.registration.linkOwner({ customerId: 'c', accountNumber: '100000002', email: 'john@example.com' }, callOf('i2', 'LINKOWNER'));
  // An item id that starts like another one's must not list the other's effects.
  await connectors.registration.linkOwner({ customerId: 'c', accountNumber: '100000003', email: 'x@example.com' }, callOf('i2/b', 'LINKOWNER'));

  assert.deepEqual(controls.ledger({ itemId: 'i1' }).map((e) => [e.system, e.operation]), [['mail', 'send']]);
  assert.deepEqual(controls.ledger({ itemId: 'i2' }).map((e) => e.operation).sort(), ['link-owner', 'send']);
  assert.equal(controls.ledger().length, 4);
  const mails = controls.outbox({ email: 'jane@example.COM' });
  assert.deepEqual(mails.map(({ sentAt: _sentAt, ...mail }) => mail), [{ to: 'Jane@Example.com', subject: 'Welcome', itemId: 'i1', accountNumber: '100000001' }]);
  assert.match(mails[0]!.sentAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(controls.outbox().map((m) => m.itemId), ['i1', 'i2']);
});

test('the failure rate fails the same calls for the same seed, and a failed call does nothing', async (t) => {
  const run = async (seed: number) => {
    const { connectors, controls } = openTestWorld(t, { failureRate: 0.5, seed });
    const outcomes: string[] = [];
    for (let i = 0; i < 24; i++) {
      try {
        await connectors.registration.linkOwner({ customerId: 'c', accountNumber: String(i), email: jane.email }, callOf(`i${i}`, 'LINKOWNER'));
        outcomes.push('ok');
      } catch (error) {
        assert.ok(error instanceof TransientError);
        outcomes.push('transient');
      }
    }
    assert.equal(controls.ledger().length, outcomes.filter((o) => o === 'ok').length);
    return outcomes.join(' ');
  };
  const first = await run(7);
  assert.equal(await run(7), first);
  assert.notEqual(await run(8), first);
  assert.match(first, /ok/);
  assert.match(first, /transient/);
});

test('a failure rate of 1 fails every call transiently, lookups and address standardization too', async (t) => {
  const { connectors, controls } = openTestWorld(t, { failureRate: 1 });
  await assert.rejects(connectors.circulation.findOccupants({ email: jane.email, exact: true }, callOf('i1', 'FINDADDRESSOCCUPANT')), transient);
  await assert.rejects(connectors.addresses.standardize({ address, field: 'deliveryAddress' }, callOf('i1', 'ADDRSTD')), transient);
  await assert.rejects(connectors.gateways.payway.authorize({ token: 'tok_visa', amount: 1 }, callOf('i1', 'AUTHCC')), transient);
  assert.deepEqual(controls.ledger(), []);
});

test('half the latency passes before the third party acts, half before its answer arrives', async (t) => {
  let writesIssued = 0;
  let committed!: Promise<void>;
  let noteWrite!: () => void;
  const firstWrite = new Promise<void>((resolve) => (noteWrite = resolve));
  const world = openTestWorld(t, { latencyMs: 40 }, (store) => ({
    system(name: string): KeyValueStore {
      const inner = store.system(name);
      return {
        get: (key) => inner.get(key),
        range: (prefix) => inner.range(prefix),
        write(entries) {
          writesIssued++;
          committed = inner.write(entries);
          noteWrite();
          return committed;
        },
      };
    },
  }));
  let answered = false;
  const call = world.connectors.registration
    .linkOwner({ customerId: 'c', accountNumber: '1', email: jane.email }, callOf('i1', 'LINKOWNER'))
    .then((result) => ((answered = true), result));
  assert.equal(writesIssued, 0, 'nothing done before the first half has passed');
  await Promise.race([firstWrite, call]);
  assert.equal(writesIssued, 1, 'the third party acted');
  await committed;
  // A turn of the event loop: enough for an answer with nothing left to wait, none for the second half.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(world.controls.ledger().length, 1, 'the effect is recorded');
  assert.equal(answered, false, 'the caller has not heard of it yet');
  await call;
  assert.equal(answered, true);

  // With no latency the act happens in the call itself: no timer on the way.
  world.controls.setLatency(0);
  assert.equal(world.controls.latency(), 0);
  const before = writesIssued;
  const direct = world.connectors.registration.linkOwner({ customerId: 'c', accountNumber: '2', email: jane.email }, callOf('i2', 'LINKOWNER'));
  assert.equal(writesIssued, before + 1);
  await direct;
});

test('refuses a negative latency and a failure rate outside 0..1', (t) => {
  const world = openTestWorld(t);
  assert.throws(() => world.controls.setLatency(-1), RangeError);
  assert.throws(() => createSimulators({ store: world.store, failureRate: 1.5 }), RangeError);
  assert.throws(() => createSimulators({ store: world.store, latencyMs: Number.NaN }), RangeError);
});
