import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTransition, transition } from 'xstate';
import type { ItemRecord } from '../domain/index.ts';
import { newStartMachine, type NewStartEvent } from '../machines/index.ts';
import { projectTransition } from './project.ts';

const item: ItemRecord = {
  itemId: 'I', orderId: 'O', appId: 'shop', customerId: 'c', shard: 0, name: 'Daily Digital', kind: 'subscription',
  offerId: 'daily-digital', price: 999, complimentary: false, gateway: 'payway', paymentToken: 'tok_visa', lookupStrategy: 'email-only',
  data: {
    subscriber: { firstName: 'J', lastName: 'D', email: 'j@example.com' },
    deliveryAddress: { line1: '1', city: 'C', postalCode: '1', country: 'US' },
    billingAddress: { line1: '1', city: 'C', postalCode: '1', country: 'US' },
  },
  createdAt: '2026-01-01T00:00:00.000Z',
};
const offer = { offerId: 'daily-digital', name: 'Daily Digital', rateCode: 'DIGITAL-MONTHLY', price: 999 };

function steps() {
  let [snapshot] = initialTransition(newStartMachine, { itemId: 'I', complimentary: false, syncDeadlineAt: 10, firstEventId: 'E-ADDR', at: 0 });
  return (event: NewStartEvent) => {
    const prev = snapshot;
    [snapshot] = transition(newStartMachine, snapshot, event);
    const writes = projectTransition(item, prev.context, snapshot.context, offer);
    return { events: writes.events.map((w) => [w.event.typeName, w.event.eventId, w.event.status, w.previousStatus]), accountNumbers: writes.accountNumbers };
  };
}

test('writes nothing before STARTSTD, then the synchronous events with it as their parent', () => {
  const step = steps();
  assert.deepEqual(step({ type: 'step.done', at: 1, output: {}, nextEventId: 'E-AUTH' }).events, []);
  assert.deepEqual(step({ type: 'step.done', at: 2, output: { authorizationId: 'A', authorizedAmount: 999 }, nextEventId: 'x' }).events, []);
  const commit = step({ type: 'order.commit', at: 3, startEventId: 'E-START', temporaryAccountNumber: 'T1', nextEventId: 'E-FIND' });
  assert.deepEqual(commit.events, [
    ['ADDRSTD', 'E-ADDR', 2, null],
    ['AUTHCC', 'E-AUTH', 2, null],
    ['STARTSTD', 'E-START', 2, null],
    ['FINDADDRESSOCCUPANT', 'E-FIND', 1, null],
  ]);
  assert.deepEqual(commit.accountNumbers, [{ accountNumber: 'T1', startEventId: 'E-START' }]);
});

test('moves each event between statuses with the status it had, and rewrites STARTSTD with it', () => {
  const step = steps();
  step({ type: 'step.done', at: 1, output: {}, nextEventId: 'E-AUTH' });
  step({ type: 'step.done', at: 2, output: { authorizationId: 'A' }, nextEventId: 'x' });
  step({ type: 'order.commit', at: 3, startEventId: 'S', temporaryAccountNumber: 'T1', nextEventId: 'F' });
  assert.deepEqual(step({ type: 'step.done', at: 4, output: {}, nextEventId: 'C' }).events, [
    ['FINDADDRESSOCCUPANT', 'F', 2, 1],
    ['CREATESUBSCRIBER', 'C', 1, null],
  ]);
  assert.deepEqual(step({ type: 'step.failed', at: 5, jitter: 0, error: { message: 'bad', category: 'bad-user-data', transient: false } }).events, [
    ['STARTSTD', 'S', 3, 2],
    ['CREATESUBSCRIBER', 'C', 3, 1],
  ]);
  assert.deepEqual(step({ type: 'csr.reprocess', at: 6, eventId: 'R' }).events, [
    ['STARTSTD', 'S', 2, 3],
    ['CREATESUBSCRIBER', 'C', 11, 3],
    ['CREATESUBSCRIBER', 'R', 1, null],
  ]);
  step({ type: 'step.done', at: 7, output: { occupantId: 'O' }, nextEventId: 'AA' });
  step({ type: 'step.done', at: 8, output: { addressId: 'D' }, nextEventId: 'AS' });
  const subscribed = step({ type: 'step.done', at: 9, output: { accountNumber: '42', subscriptionId: 'S1' }, nextEventId: 'CAP' });
  assert.deepEqual(subscribed.accountNumbers, [{ accountNumber: '42', startEventId: 'S' }]);
  assert.deepEqual(subscribed.events.map((e) => e[0]), ['STARTSTD', 'ADDSUBSCRIPTION', 'CCFUNDCAPTURE'], 'the permanent number reaches STARTSTD');
});
