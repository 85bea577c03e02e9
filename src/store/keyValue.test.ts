import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openThirdPartyStore, type ThirdPartyStore } from './keyValue.ts';

function tempStore(t: TestContext): { dir: string; store: () => ThirdPartyStore; reopen: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'kv-test-'));
  let store = openThirdPartyStore(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    store: () => store,
    async reopen() {
      await store.close();
      store = openThirdPartyStore(dir);
    },
  };
}

test('reads back what a write committed, as plain data', async (t) => {
  const { store } = tempStore(t);
  const kv = store().system('payway');
  const value = { id: 'a', amount: 999, flags: [true, false], nested: { at: '2024-01-01T00:00:00.000Z' } };
  await kv.write([['authorization/a', value], ['counter/authorization', 1]]);
  assert.deepEqual(kv.get('authorization/a'), value);
  assert.equal(kv.get('counter/authorization'), 1);
  assert.equal(kv.get('missing'), undefined);
});

test('an undefined value deletes the key', async (t) => {
  const { store } = tempStore(t);
  const kv = store().system('mail');
  await kv.write([['a', 1], ['b', 2]]);
  await kv.write([['a', undefined], ['c', 3]]);
  assert.equal(kv.get('a'), undefined);
  assert.deepEqual(kv.range(''), [['b', 2], ['c', 3]]);
});

test('range lists the keys with the prefix, in key order, and no others', async (t) => {
  const { store } = tempStore(t);
  const kv = store().system('circulation');
  await kv.write([
    ['ledger/k2', 2],
    ['ledger/k1', 1],
    ['ledger', 0],
    ['ledgers/x', 9],
    ['ledger/k10', 10],
    ['occupant/1', 'o'],
  ]);
  assert.deepEqual(kv.range('ledger/'), [['ledger/k1', 1], ['ledger/k10', 10], ['ledger/k2', 2]]);
  assert.deepEqual(kv.range('nothing/'), []);
});

test('each system has its own keys', async (t) => {
  const { store } = tempStore(t);
  await store().system('payway').write([['ledger/x', 'payway']]);
  await store().system('braintree').write([['ledger/x', 'braintree']]);
  assert.equal(store().system('payway').get('ledger/x'), 'payway');
  assert.equal(store().system('braintree').get('ledger/x'), 'braintree');
  assert.equal(store().system('registration').get('ledger/x'), undefined);
});

test('writes issued together all land, and resolve once committed', async (t) => {
  const { store } = tempStore(t);
  const kv = store().system('preferences');
  const writes = Array.from({ length: 50 }, (_, i) => kv.write([[`k/${String(i).padStart(3, '0')}`, i], ['last', i]]));
  await Promise.all(writes);
  assert.equal(kv.range('k/').length, 50);
  assert.equal(kv.get('last'), 49);
});

test('what was committed survives closing and reopening the store', async (t) => {
  const world = tempStore(t);
  await world.store().system('circulation').write([['outage', true], ['subscription/100000001', { status: 'active' }]]);
  await world.reopen();
  const kv = world.store().system('circulation');
  assert.equal(kv.get('outage'), true);
  assert.deepEqual(kv.range('subscription/'), [['subscription/100000001', { status: 'active' }]]);
});
