import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, initialTransition, transition, type SnapshotFrom } from 'xstate';
import { EventStatus } from '../domain/index.ts';
import { createNewStartMachine, newStartMachine, type NewStartEvent, type StepOutput } from './newStart.ts';
import { activeCall, indexCallStates, itemStatusOf, isAtRest, statePath, toMermaid } from './chart.ts';
import { persistSnapshot, restorableSnapshot } from './persistence.ts';

type Snapshot = SnapshotFrom<typeof newStartMachine>;
const T0 = Date.UTC(2026, 0, 1);
const calls = indexCallStates(newStartMachine);
let ids = 0;
const nextId = () => `E${String(++ids).padStart(4, '0')}`;

function begin(complimentary = false, machine = newStartMachine): Snapshot {
  const [snapshot] = initialTransition(machine, { itemId: 'I1', complimentary, syncDeadlineAt: T0 + 5_000, firstEventId: nextId(), at: T0 });
  return snapshot;
}
const send = (snapshot: Snapshot, event: NewStartEvent, machine = newStartMachine) => transition(machine, snapshot, event)[0];
const done = (snapshot: Snapshot, output: StepOutput = {}, at = T0) => send(snapshot, { type: 'step.done', at, output, nextEventId: nextId() });
const fail = (snapshot: Snapshot, transient: boolean, at = T0, category: 'bad-user-data' | 'third-party' = 'third-party') =>
  send(snapshot, { type: 'step.failed', at, jitter: 0.5, error: { message: 'boom', category, transient } });
const commit = (snapshot: Snapshot) =>
  send(snapshot, { type: 'order.commit', at: T0, startEventId: 'START', temporaryAccountNumber: 'T1', nextEventId: nextId() });
const where = (snapshot: Snapshot) => activeCall(calls, snapshot.value)?.meta.call ?? statePath(snapshot.value).join('.');

/** Runs the steps from FINDADDRESSOCCUPANT to the end, each succeeding; returns the calls made. */
function runToEnd(snapshot: Snapshot, outputs: Partial<Record<string, StepOutput>> = {}): [Snapshot, string[]] {
  const made: string[] = [];
  let s = snapshot;
  for (let guard = 0; guard < 20 && activeCall(calls, s.value); guard++) {
    const step = where(s);
    made.push(step);
    s = done(s, outputs[step] ?? {});
  }
  return [s, made];
}

test('runs every step in order, creating the subscriber when the lookup found none', () => {
  let s = done(begin(), {});
  assert.equal(where(s), 'AUTHCC');
  s = done(s, { authorizationId: 'A1', authorizedAmount: 999 });
  assert.equal(where(s), 'STARTSTD');
  assert.ok(isAtRest(calls, s.value), 'the item waits for its order at STARTSTD');
  s = commit(s);
  const [end, made] = runToEnd(s, { ADDSUBSCRIPTION: { accountNumber: '1000001' }, CCFUNDCAPTURE: { captureId: 'C1' } });
  assert.deepEqual(made, [
    'FINDADDRESSOCCUPANT', 'CREATESUBSCRIBER', 'ADDADDRESSOCCUPANT', 'ADDSUBSCRIPTION', 'CCFUNDCAPTURE',
    'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN', 'LINKOWNER', 'CHGEMAILPREF', 'mail',
  ]);
  assert.equal(end.value, 'complete');
  assert.equal(itemStatusOf(end.value), 'complete');
  assert.equal(end.context.refs.mailed, true);
  assert.deepEqual(end.context.syncEvents.map((e) => [e.step, e.status]), [['ADDRSTD', 2], ['AUTHCC', 2]]);
  assert.equal(end.context.start?.status, EventStatus.success);
});

test('skips CREATESUBSCRIBER when the lookup found an occupant', () => {
  const s = commit(done(done(begin()), { authorizationId: 'A1' }));
  const [, made] = runToEnd(s, { FINDADDRESSOCCUPANT: { occupantId: 'O1' } });
  assert.ok(!made.includes('CREATESUBSCRIBER'));
  assert.equal(made[1], 'ADDADDRESSOCCUPANT');
});

test('a complimentary start runs no payment step', () => {
  let s = done(begin(true));
  assert.equal(where(s), 'STARTSTD', 'AUTHCC is skipped');
  s = commit(s);
  const [end, made] = runToEnd(s);
  for (const step of ['AUTHCC', 'CCFUNDCAPTURE', 'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN']) assert.ok(!made.includes(step), step);
  assert.equal(end.value, 'complete');
  assert.deepEqual(end.context.syncEvents.map((e) => e.step), ['ADDRSTD']);
});

test('retries a transient error with attempts and nextAttemptAt in context, on the same event', () => {
  let s = commit(done(done(begin()), { authorizationId: 'A1' }));
  const eventId = s.context.current?.eventId;
  s = fail(s, true, T0 + 10);
  assert.deepEqual(statePath(s.value), ['FINDADDRESSOCCUPANT', 'waitingToRetry']);
  assert.equal(s.context.call.firstFailureAt, T0 + 10);
  // First wait: base 250 ms, jitter 0.5 => between 125 and 250, here 188.
  assert.equal(s.context.call.nextAttemptAt, T0 + 10 + 188);
  assert.equal(s.context.current?.status, EventStatus.processing);
  s = send(s, { type: 'step.retry', at: T0 + 200 });
  assert.equal(s.context.call.attempts, 2);
  assert.equal(s.context.current?.attempts, 2);
  assert.equal(s.context.current?.eventId, eventId, 'retries stay on one event');
  s = done(s);
  assert.equal(s.context.previous?.status, EventStatus.success);
  assert.equal(s.context.previous?.attempts, 2);
});

test('gives up a background step after ten minutes of transient failures', () => {
  let s = commit(done(done(begin()), { authorizationId: 'A1' }));
  let at = T0;
  s = fail(s, true, at);
  while (statePath(s.value)[1] === 'waitingToRetry') {
    at = s.context.call.nextAttemptAt!;
    s = fail(send(s, { type: 'step.retry', at }), true, at);
  }
  assert.deepEqual(statePath(s.value), ['FINDADDRESSOCCUPANT', 'failed']);
  assert.ok(at - T0 >= 600_000, 'not before ten minutes');
  assert.ok(at - T0 < 610_000, 'soon after ten minutes');
  assert.equal(s.context.current?.error?.category, 'third-party');
  assert.match(s.context.current?.error?.message ?? '', /kept failing transiently/);
  assert.equal(s.context.start?.status, EventStatus.failed, 'STARTSTD mirrors the failed child');
});

test('a permanent error parks the item in failed; reprocess replaces the event and continues', () => {
  let s = commit(done(done(begin()), { authorizationId: 'A1' }));
  s = done(s); // no occupant: CREATESUBSCRIBER next
  const failedId = s.context.current!.eventId;
  s = fail(s, false, T0, 'bad-user-data');
  assert.deepEqual(statePath(s.value), ['CREATESUBSCRIBER', 'failed']);
  assert.equal(itemStatusOf(s.value), 'failed');
  assert.ok(isAtRest(calls, s.value));
  assert.equal(s.context.current?.status, EventStatus.failed);
  assert.equal(s.context.start?.status, EventStatus.failed);
  assert.equal(s.context.start?.error?.category, 'bad-user-data');

  s = send(s, { type: 'csr.reprocess', at: T0 + 1, eventId: 'R1' });
  assert.deepEqual(statePath(s.value), ['CREATESUBSCRIBER', 'calling']);
  assert.equal(s.context.previous?.eventId, failedId);
  assert.equal(s.context.previous?.status, EventStatus.reprocessed);
  assert.equal(s.context.current?.eventId, 'R1');
  assert.equal(s.context.current?.reprocessOf, failedId);
  assert.equal(s.context.start?.status, EventStatus.success);

  // Fails again: the new event is the failed one now.
  s = fail(s, false, T0 + 2, 'bad-user-data');
  assert.equal(s.context.current?.eventId, 'R1');
  assert.equal(s.context.current?.status, EventStatus.failed);
  s = send(s, { type: 'csr.reprocess', at: T0 + 3, eventId: 'R2' });
  assert.equal(s.context.current?.reprocessOf, 'R1');
  const [end] = runToEnd(s, { ADDSUBSCRIPTION: { accountNumber: '1' }, CCFUNDCAPTURE: { captureId: 'C' } });
  assert.equal(end.value, 'complete');
});

test('close before capture voids; close after capture refunds; then each stops the subscription', () => {
  let s = commit(done(done(begin()), { authorizationId: 'A1' }));
  s = done(done(done(s), { occupantId: 'O' }), { addressId: 'D' }); // FIND, CREATE, ADDADDRESS
  s = done(s, { accountNumber: '42', subscriptionId: 'S' }); // ADDSUBSCRIPTION
  const beforeCapture = fail(s, false); // CCFUNDCAPTURE fails
  let closing = send(beforeCapture, { type: 'csr.close', at: T0 });
  assert.equal(closing.context.start?.status, EventStatus.closed);
  assert.equal(closing.context.current?.status, EventStatus.closed);
  assert.equal(itemStatusOf(closing.value), 'failed', 'the shopper sees it closed once the compensation is done');
  const made: string[] = [];
  while (activeCall(calls, closing.value)) {
    made.push(where(closing));
    closing = done(closing);
  }
  assert.deepEqual(made, ['void', 'stop-subscription'], 'the payment is undone first');
  assert.equal(closing.value, 'closed');
  assert.equal(itemStatusOf(closing.value), 'closed');
  assert.equal(closing.status, 'done');

  let after = done(s, { captureId: 'C1', capturedAmount: 999 }); // capture
  after = fail(done(after), false); // PAYMENTNEWSTART, then UPDATEPAYMENTTRAN fails
  after = send(after, { type: 'csr.close', at: T0 });
  made.length = 0;
  while (activeCall(calls, after.value)) {
    made.push(where(after));
    after = done(after);
  }
  assert.deepEqual(made, ['refund', 'stop-subscription']);
  assert.equal(send(after, { type: 'csr.reprocess', at: T0, eventId: 'X' }).value, 'closed', 'a closed start cannot be reprocessed');
});

test('close undoes what was done unheard: a stop by key after an ADDSUBSCRIPTION never answered, a refund after a void finds a capture', () => {
  let s = commit(done(done(begin()), { authorizationId: 'A1' }));
  s = done(done(done(s), { occupantId: 'O' }), { addressId: 'D' }); // FIND, CREATE, ADDADDRESS
  const closeMaking = (failed: Snapshot) => {
    let closing = send(failed, { type: 'csr.close', at: T0 });
    const made: string[] = [];
    while (activeCall(calls, closing.value)) {
      made.push(where(closing));
      closing = done(closing, where(closing) === 'stop-subscription' ? { accountNumber: '42' } : {});
    }
    return { closing, made };
  };
  // ADDSUBSCRIPTION gives up on transient errors (a reply lost to a crash looks like one): unheard.
  const retried = send(fail(s, true, T0), { type: 'step.retry', at: T0 + 1 });
  const gaveUp = fail(retried, true, T0 + 11 * 60_000);
  assert.equal(where(gaveUp), 'ADDSUBSCRIPTION');
  assert.equal(statePath(gaveUp.value)[1], 'failed');
  const unheard = closeMaking(gaveUp);
  assert.deepEqual(unheard.made, ['void', 'stop-subscription'], 'a subscription may exist: the stop asks by its key');
  assert.equal(unheard.closing.context.refs.accountNumber, '42', 'the stop tells the account number it found');
  assert.deepEqual(closeMaking(fail(s, false)).made, ['void'], 'a permanent refusal made nothing: no stop');

  let captured = done(s, { accountNumber: '42' }); // ADDSUBSCRIPTION
  captured = send(fail(captured, false), { type: 'csr.close', at: T0 }); // CCFUNDCAPTURE fails, a capture unheard
  assert.equal(where(captured), 'void');
  const alreadyCaptured = { message: 'captured; refund it instead', category: 'third-party' as const, transient: false, reason: 'already-captured' };
  captured = send(captured, { type: 'step.failed', at: T0, jitter: 0, error: alreadyCaptured });
  assert.equal(where(captured), 'refund', 'a void that finds a capture turns into a refund');
  captured = done(done(captured));
  assert.equal(captured.value, 'closed');
  assert.deepEqual(captured.context.actionErrors, []);
});

test('the synchronous part rejects at once on a permanent error and an abort voids the authorization', () => {
  const declined = fail(done(begin()), false);
  assert.deepEqual(statePath(declined.value), ['sync', 'rejected']);
  assert.equal(declined.context.rejection?.step, 'AUTHCC');
  assert.equal(itemStatusOf(declined.value), 'aborted');

  let waiting = done(done(begin()), { authorizationId: 'A1' });
  waiting = send(waiting, { type: 'order.abort', at: T0 });
  assert.equal(where(waiting), 'void');
  waiting = done(waiting);
  assert.equal(waiting.value, 'aborted');
});

test('the synchronous part retries transient errors until the in-request deadline, then gives up', () => {
  let s = begin();
  let at = T0;
  s = fail(s, true, at);
  while (statePath(s.value)[2] === 'waitingToRetry') {
    at = s.context.call.nextAttemptAt!;
    assert.ok(at <= T0 + 5_000, 'no retry is scheduled past the deadline');
    s = fail(send(s, { type: 'step.retry', at }), true, at);
  }
  assert.deepEqual(statePath(s.value), ['sync', 'rejected']);
  assert.equal(at, T0 + 5_000, 'the last wait is cut short to end at the deadline: the whole budget is spent');
  assert.equal(s.context.rejection?.transient, true);
});

test('retry policies are configurable per step', () => {
  const impatient = createNewStartMachine({ retry: { FINDADDRESSOCCUPANT: { baseDelayMs: 10, factor: 2, maxDelayMs: 10, budgetMs: 0 } } });
  let s = begin(false, impatient);
  s = send(s, { type: 'step.done', at: T0, output: {}, nextEventId: 'a' }, impatient);
  s = send(s, { type: 'step.done', at: T0, output: {}, nextEventId: 'b' }, impatient);
  s = send(s, { type: 'order.commit', at: T0, startEventId: 'S', temporaryAccountNumber: 'T', nextEventId: 'c' }, impatient);
  s = send(s, { type: 'step.failed', at: T0, jitter: 0, error: { message: 'x', category: 'third-party', transient: true } }, impatient);
  assert.deepEqual(statePath(s.value), ['FINDADDRESSOCCUPANT', 'failed']);
});

test('a shopper may cancel a complete item', () => {
  let [s] = runToEnd(commit(done(done(begin()), { authorizationId: 'A' })), { ADDSUBSCRIPTION: { accountNumber: '7' } });
  s = send(s, { type: 'shopper.cancel', at: T0 });
  assert.equal(itemStatusOf(s.value), 'complete', 'still complete until the circulation system records the stop');
  assert.equal(where(s), 'stop-subscription');
  s = done(s);
  assert.equal(s.value, 'cancelled');
  assert.equal(itemStatusOf(s.value), 'cancelled');
});

test('an actor restored from a JSON snapshot at every state continues to the same end', () => {
  const script: NewStartEvent[] = [];
  const at = T0;
  const outputs: Record<string, StepOutput> = { AUTHCC: { authorizationId: 'A' }, ADDSUBSCRIPTION: { accountNumber: '9' }, CCFUNDCAPTURE: { captureId: 'C' } };
  // Record a run with a retry, a failure, a reprocess and the end.
  let s = begin();
  const start = s;
  const push = (event: NewStartEvent) => {
    script.push(event);
    s = send(s, event);
  };
  while (where(s) !== 'complete') {
    assert.ok(script.length < 40, `the run ends (stuck at ${where(s)})`);
    const call = where(s);
    if (call === 'STARTSTD') push({ type: 'order.commit', at, startEventId: 'S', temporaryAccountNumber: 'T', nextEventId: `n${script.length}` });
    else if (call === 'LINKOWNER' && s.context.call.attempts === 1 && statePath(s.value)[1] === 'calling' && !s.context.previous?.reprocessOf) {
      push({ type: 'step.failed', at, jitter: 0, error: { message: 'later', category: 'third-party', transient: true } });
      push({ type: 'step.retry', at: s.context.call.nextAttemptAt! });
      push({ type: 'step.failed', at, jitter: 0, error: { message: 'no', category: 'third-party', transient: false } });
      push({ type: 'csr.reprocess', at, eventId: 'R' });
    } else push({ type: 'step.done', at, output: outputs[call] ?? {}, nextEventId: `n${script.length}` });
  }
  const expected = JSON.parse(JSON.stringify(s.context));

  // Replay with an actor, persisting and restoring through JSON before every event.
  let persisted = JSON.parse(JSON.stringify(start));
  for (const event of script) {
    const actor = createActor(newStartMachine, { snapshot: persisted, input: undefined });
    actor.start();
    actor.send(event);
    persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
  }
  assert.equal(persisted.value, 'complete');
  assert.deepEqual(persisted.context, expected);

  // The same through the engine's lean stored form.
  let stored = JSON.parse(JSON.stringify(persistSnapshot(start)));
  for (const event of script) {
    const actor = createActor(newStartMachine, { snapshot: restorableSnapshot(stored) as never, input: undefined });
    actor.start();
    actor.send(event);
    stored = JSON.parse(JSON.stringify(persistSnapshot(actor.getSnapshot())));
    actor.stop();
  }
  assert.equal(stored.value, 'complete');
  assert.equal(stored.status, 'active', 'complete is not final: a shopper may still cancel');
  assert.deepEqual(stored.context, expected);
  assert.ok(script.some((e) => e.type === 'csr.reprocess'), 'the script went through a reprocess');
});

test('the Mermaid picture names every step with its code', () => {
  const text = toMermaid(newStartMachine);
  for (const [name, code] of [['ADDRSTD', 62], ['CREATESUBSCRIBER', 1103], ['CHGEMAILPREF', 954]] as const) {
    assert.ok(text.includes(`"${name} (${code})"`), name);
  }
  assert.ok(text.includes('csr.reprocess'));
});

test('itemStatusOf gives every state of the chart the status SPEC §5 and API.md name', () => {
  // What a shopper sees, by the top state of the chart: a table of expectations, not the rule again.
  const BY_TOP: Record<string, string> = {
    complete: 'complete',
    cancelling: 'complete', // the subscription runs until the circulation system records the stop
    cancelled: 'cancelled',
    closing: 'failed', // closed only once the compensation is done
    closed: 'closed',
    aborting: 'aborted',
    aborted: 'aborted',
  };
  const byPath = (path: string[]): string => {
    if (path[1] === 'rejected') return 'aborted'; // the synchronous part gave up: the order aborts
    return BY_TOP[path[0]] ?? (path[path.length - 1] === 'failed' ? 'failed' : 'in_progress');
  };
  const valueOf = (path: string[]): string | Record<string, unknown> =>
    path.length === 1 ? path[0] : { [path[0]]: valueOf(path.slice(1)) };
  const leaves: string[][] = [];
  const visit = (node: (typeof newStartMachine)['root']) => {
    const children = Object.values(node.states);
    if (children.length === 0) leaves.push(node.path);
    for (const child of children) visit(child);
  };
  visit(newStartMachine.root);
  assert.ok(leaves.length > 40, `${leaves.length} atomic states`);
  const seen = new Set<string>();
  for (const path of leaves) {
    const status = itemStatusOf(valueOf(path) as never);
    assert.equal(status, byPath(path), path.join('.'));
    seen.add(status);
  }
  assert.deepEqual([...seen].sort(), ['aborted', 'cancelled', 'closed', 'complete', 'failed', 'in_progress']);
});

test('a call made again after a restart (step.resume) counts one call more and stays calling; a waiting or failed step takes no resume', () => {
  const calling = commit(done(done(begin()), { authorizationId: 'A1' }));
  assert.equal(where(calling), 'FINDADDRESSOCCUPANT');
  const resumed = send(calling, { type: 'step.resume', at: T0 + 7 });
  assert.deepEqual(resumed.value, calling.value);
  assert.equal(resumed.context.call.attempts, 2);
  assert.equal(resumed.context.current?.attempts, 2);
  assert.equal(resumed.context.current?.updatedAt, T0 + 7);
  const waiting = fail(calling, true);
  assert.equal(send(waiting, { type: 'step.resume', at: T0 }).context, waiting.context, 'waiting to retry: the timer makes the call');
  const failed = fail(calling, false);
  assert.equal(send(failed, { type: 'step.resume', at: T0 }).context, failed.context, 'failed: nothing to resume');
  // An action counts its calls too; the event shown is the last step's, which is done and stays as it is.
  let mailing = calling;
  while (where(mailing) !== 'mail') mailing = done(mailing, where(mailing) === 'ADDSUBSCRIPTION' ? { accountNumber: '1000001' } : {});
  const mailedAgain = send(mailing, { type: 'step.resume', at: T0 + 9 });
  assert.equal(where(mailedAgain), 'mail');
  assert.equal(mailedAgain.context.call.attempts, 2);
  assert.equal(mailedAgain.context.current, mailing.context.current);
});
