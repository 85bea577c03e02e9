import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBus } from '../engine/bus.ts';
import type { ItemView } from '../domain/index.ts';
import { ItemFeed } from './itemFeed.ts';

const view = (itemId: string, customerId: string): ItemView => ({
  itemId,
  orderId: 'o',
  customerId,
  appId: 'app',
  name: 'Daily Digital',
  kind: 'subscription',
  status: 'in_progress',
  currentStep: null,
  startEventId: null,
  temporaryAccountNumber: null,
  accountNumber: null,
  errorMessage: null,
});

test('the feed routes each change to the item and customer that asked, and a throwing stream stops no other', () => {
  const bus = createBus();
  const errors: unknown[] = [];
  const feed = new ItemFeed(bus, (error) => errors.push(error));
  const heard: string[] = [];
  const stops = [
    feed.onCustomer('app', 'c1', () => {
      throw new Error('a broken stream');
    }),
    feed.onCustomer('app', 'c1', (v) => heard.push(`c1 heard ${v.itemId}`)),
    feed.onCustomer('app', 'c2', (v) => heard.push(`c2 heard ${v.itemId}`)),
    feed.onItem('i2', (v) => heard.push(`i2 heard ${v.itemId}`)),
  ];
  assert.equal(bus.listenerCount('item'), 1);
  assert.doesNotThrow(() => bus.emit('item', view('i1', 'c1')));
  bus.emit('item', view('i2', 'c2'));
  assert.deepEqual(heard, ['c1 heard i1', 'i2 heard i2', 'c2 heard i2']);
  assert.deepEqual(errors.map((e) => (e as Error).message), ['a broken stream']);
  for (const stop of stops) stop();
  stops[0](); // twice is harmless
  assert.equal(bus.listenerCount('item'), 0);
});
