import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTransition, transition } from 'xstate';
import type { ItemRecord } from '../domain/index.ts';
import { newStartMachine, type NewStartEvent } from '../machines/index.ts';
import { itemView, progressOf } from './views.ts';

const item = { itemId: 'I', orderId: 'O', appId: 'a', customerId: 'c', name: 'Weekend', kind: 'bundle', complimentary: false } as ItemRecord;

test('progress counts the steps this item runs, and the view names the current step', () => {
  let [s] = initialTransition(newStartMachine, { itemId: 'I', complimentary: false, syncDeadlineAt: 9, firstEventId: 'a', at: 0 });
  const send = (event: NewStartEvent) => ([s] = transition(newStartMachine, s, event));
  assert.deepEqual(progressOf(item, s.context), { done: 0, total: 12 });
  send({ type: 'step.done', at: 1, output: {}, nextEventId: 'b' });
  send({ type: 'step.done', at: 2, output: { authorizationId: 'A' }, nextEventId: 'c' });
  send({ type: 'order.commit', at: 3, startEventId: 'S', temporaryAccountNumber: 'T1', nextEventId: 'd' });
  assert.deepEqual(progressOf(item, s.context), { done: 3, total: 12 });
  send({ type: 'step.done', at: 4, output: { occupantId: 'O' }, nextEventId: 'e' });
  assert.deepEqual(progressOf(item, s.context), { done: 4, total: 11 }, 'the lookup found the occupant: CREATESUBSCRIBER is skipped');
  const view = itemView(item, s);
  assert.equal(view.currentStep, 'ADDADDRESSOCCUPANT');
  assert.equal(view.status, 'in_progress');
  assert.equal(view.temporaryAccountNumber, 'T1');
  assert.equal(view.accountNumber, null);
});
