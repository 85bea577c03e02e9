import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTransition } from 'xstate';
import type { ItemRecord } from '../domain/index.ts';
import { newStartMachine, type ActiveCall, type NewStartEvent } from '../machines/index.ts';
import { stateWrite } from './stateWrites.ts';

const item = { itemId: 'I1', shard: 0 } as ItemRecord;
const [snapshot] = initialTransition(newStartMachine, { itemId: 'I1', complimentary: false, syncDeadlineAt: 0, firstEventId: 'E1', at: 0 });
const event: NewStartEvent = { type: 'step.retry', at: 0 };
const at = (call: string, phase: ActiveCall['phase'], sync = false): ActiveCall => ({ path: call, phase, meta: { call: call as never, step: { code: 1, name: call as never, sync } } });
const write = (prev: ActiveCall | null, next: ActiveCall | null, sinceSnapshot = 1) => stateWrite(item, event, snapshot, prev, next, sinceSnapshot);

test('every transition is journalled; a full snapshot only at rest, at a background wait, or every 16th', () => {
  const calling = at('LINKOWNER', 'calling');
  const between = write(at('FINDADDRESSOCCUPANT', 'calling'), calling);
  assert.equal(between.snapshotted, false);
  assert.deepEqual(between.write, { itemId: 'I1', shard: 0, event, snapshot: undefined, unfinished: undefined });
  assert.equal(write(calling, at('LINKOWNER', 'waitingToRetry')).snapshotted, true, 'an outage may keep it waiting long');
  assert.equal(write(at('AUTHCC', 'calling', true), at('AUTHCC', 'waitingToRetry', true)).snapshotted, false, 'the request ends the wait');
  assert.equal(write(calling, calling, 16).snapshotted, true, 'replay stays bounded');
  const failed = write(calling, at('LINKOWNER', 'failed'));
  assert.equal(failed.snapshotted, true);
  assert.equal(failed.write.unfinished, false, 'at rest: no longer unfinished');
  assert.equal(write(at('LINKOWNER', 'failed'), calling).write.unfinished, true, 'a reprocess leaves rest');
});
