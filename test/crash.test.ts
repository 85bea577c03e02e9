// Crash safety (SPEC §4): a real child process killed with SIGKILL at named points and at random
// moments under load; a new process opens the same directory, and every answered purchase
// finishes (or its aborted order is voided) with every effect in the ledgers exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LedgerEntry } from '../src/sim/index.ts';
import { NODE_FLAGS } from '../src/nodeFlags.ts';
import { tempDir } from './helpers/tempDir.ts';

const CHILD = join(import.meta.dirname, 'helpers', 'crashChild.ts');
const COMPLETE_OPERATIONS = [
  'add-address', 'add-subscription', 'authorize', 'capture', 'link-owner', 'record-payment', 'send', 'subscribe', 'update-transaction',
];

interface Run {
  signal: NodeJS.Signals | null;
  lines: any[];
  stderr: string;
}

/** Runs the crash child; it must end by SIGKILL or with `exitCode` (default 0). */
function runChild(args: string[], env: Record<string, string> = {}, killAfterAnswers?: number, exitCode = 0): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', CHILD, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Killed by progress, not by time: once the purchases began and `killAfterAnswers` were answered.
    child.stdout.on('data', () => {
      if (killAfterAnswers === undefined || child.killed || !text.includes('"ready":true')) return;
      if ((text.match(/"answered":/g) ?? []).length >= killAfterAnswers) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== null && code !== exitCode) return reject(new Error(`child exited with ${code}:\n${stderr}`));
      resolve({ signal, lines: text.split('\n').filter(Boolean).map((line) => JSON.parse(line)), stderr });
    });
  });
}

const answeredItems = (run: Run): string[] =>
  run.lines.filter((l) => l.answered !== undefined && l.outcome.kind === 'accepted').flatMap((l) => l.outcome.items.map((i: any) => i.itemId));

/** Groups the ledger by item; each item's operations, sorted. */
function operationsByItem(ledger: LedgerEntry[]): Map<string, string[]> {
  const byItem = new Map<string, string[]>();
  for (const entry of ledger) byItem.set(entry.itemId, [...(byItem.get(entry.itemId) ?? []), entry.operation]);
  for (const [itemId, operations] of byItem) byItem.set(itemId, operations.sort());
  return byItem;
}

async function crashThenRecover(t: any, env: Record<string, string>, count = 1) {
  const dir = tempDir(t, 'crash-test-');
  const crashed = await runChild(['place', dir, String(count)], env);
  assert.equal(crashed.signal, 'SIGKILL', 'the child was killed at the debug point');
  const items = answeredItems(crashed);
  const recovered = await runChild(['recover', dir, items.join(',')], { SIM_LATENCY_MS: env.SIM_LATENCY_MS ?? '0' });
  return { crashed, items, report: recovered.lines[0] };
}

function assertCompletedOnce(report: any, itemId: string) {
  const item = report.items.find((i: any) => i.itemId === itemId);
  assert.equal(item.status, 'complete', `item ${itemId} completes: ${JSON.stringify(item)}`);
  const operations = operationsByItem(report.ledger).get(itemId)!.filter((op) => op !== 'create-occupant');
  assert.deepEqual(operations, COMPLETE_OPERATIONS, 'every effect exactly once');
  assert.equal(report.outbox.filter((m: any) => m.itemId === itemId).length, 1, 'one confirmation mail');
  for (const [type, status] of item.children) assert.equal(status, 2, `${type} succeeded, with no duplicate event`);
  assert.equal(new Set(item.children.map((c: any) => c[0])).size, item.children.length, 'one event per step');
}

test('killed after a transition commit and before the call: the call is made once after restart', async (t) => {
  const { items, report } = await crashThenRecover(t, { CRASH_AT: 'committed:CREATESUBSCRIBER:calling' });
  assert.equal(items.length, 1, 'the purchase was answered before the kill');
  assertCompletedOnce(report, items[0]);
  assert.equal(report.ledger.filter((e: LedgerEntry) => e.operation === 'create-occupant').length, 1);
});

test('killed mid-call, after the third party acted: the retry under the same key performs nothing new', async (t) => {
  const { items, report } = await crashThenRecover(t, { CRASH_AT: 'committed:ADDSUBSCRIPTION:calling:30', SIM_LATENCY_MS: '40' });
  assertCompletedOnce(report, items[0]);
  const entry = report.ledger.find((e: LedgerEntry) => e.operation === 'add-subscription');
  assert.equal(entry.calls, 2, 'called again after the restart, performed once');
  const [, , attempts] = report.items[0].children.find(([type]: string[]) => type === 'ADDSUBSCRIPTION');
  assert.equal(attempts, 2, 'the event counts both calls, as the third party does (review finding: it showed 1)');
});

test('killed mid-ADDSUBSCRIPTION, which then gives up in an outage: closing the start stops the subscription it never heard of', async (t) => {
  const dir = tempDir(t, 'crash-test-');
  const crashed = await runChild(['place', dir, '1'], { CRASH_AT: 'committed:ADDSUBSCRIPTION:calling:30', SIM_LATENCY_MS: '40' });
  assert.equal(crashed.signal, 'SIGKILL');
  const [itemId] = answeredItems(crashed);
  const report = (await runChild(['recover', dir, itemId], { CLOSE_FAILED: '1' })).lines[0];
  const [item] = report.items;
  assert.equal(item.status, 'closed');
  assert.deepEqual(report.subscriptions, [[item.accountNumber, 'stopped']], 'the stop found it by the key ADDSUBSCRIPTION used');
  assert.equal(item.errorMessage, 'Customer service closed this start; its subscription was stopped.');
  assert.deepEqual(operationsByItem(report.ledger).get(itemId)!.filter((op) => op !== 'create-occupant'), ['add-address', 'add-subscription', 'authorize', 'stop-subscription', 'void']);
});

test('killed while waiting to retry: the restarted engine retries and finishes', async (t) => {
  const { items, report } = await crashThenRecover(t, { CRASH_AT: 'committed:FINDADDRESSOCCUPANT:waitingToRetry', OUTAGE: 'on' });
  assertCompletedOnce(report, items[0]);
});

test('killed between AUTHCC and STARTSTD: recovery voids the authorization and releases the key', async (t) => {
  const { crashed, report } = await crashThenRecover(t, { CRASH_AT: 'committed:STARTSTD:waiting' });
  assert.equal(answeredItems(crashed).length, 0, 'nothing was answered');
  assert.deepEqual(report.ledger.map((e: LedgerEntry) => e.operation), ['authorize', 'void']);
  assert.deepEqual(report.keys, [], 'the idempotency key is released');
});

// CREATESUBSCRIBER looks the email up again under its lock, then creates (each 40 ms): at 60 ms
// the occupant is created and its answer not yet back; made again, the call's lookup finds it.
test("killed mid-call of a reprocessed step: after the restart the reprocess goes on under the step's key and the item completes, one occupant, one mail", async (t) => {
  const { crashed, items, report } = await crashThenRecover(t, { CSR_ACTION: 'reprocess', CRASH_AT: 'committed:CREATESUBSCRIBER:calling:60', SIM_LATENCY_MS: '40' });
  assert.equal(crashed.lines.find((l) => l.failed)?.status, 'failed', "Doe's failed before the CSR acted");
  assert.ok(crashed.lines.some((l) => l.csr), 'the reprocess was answered, then the process killed during its call');
  const [item] = report.items;
  assert.equal(item.status, 'complete');
  const operations = operationsByItem(report.ledger).get(items[0])!;
  assert.deepEqual(operations.filter((op) => op !== 'create-occupant'), COMPLETE_OPERATIONS, 'every effect exactly once');
  const creates = report.ledger.filter((e: LedgerEntry) => e.operation === 'create-occupant');
  assert.equal(creates.length, 1, 'one occupant: the call made again after the restart finds it by its lookup');
  const subscriberEvents = item.children.filter(([type]: string[]) => type === 'CREATESUBSCRIBER').map(([, status]: number[]) => status);
  assert.deepEqual(subscriberEvents, [11, 2], 'the failed event replaced, the new one succeeded');
  assert.equal(report.outbox.length, 1, 'one confirmation mail');
});

test('killed mid-void of a close: after the restart the close finishes, the authorization voided once, the start closed', async (t) => {
  const { crashed, items, report } = await crashThenRecover(t, { CSR_ACTION: 'close', CRASH_AT: 'committed:void:calling:30', SIM_LATENCY_MS: '40' });
  assert.ok(crashed.lines.some((l) => l.csr), 'the close was answered, then the process killed during its void');
  const [item] = report.items;
  assert.equal(item.status, 'closed');
  assert.deepEqual(operationsByItem(report.ledger).get(items[0]), ['authorize', 'void']);
  assert.equal(report.ledger.find((e: LedgerEntry) => e.operation === 'void').calls, 2, 'voided again after the restart, performed once');
  assert.ok(item.children.every(([type, status]: [string, number]) => type !== 'CREATESUBSCRIBER' || status === 9), 'the failed child closed');
  assert.equal(report.outbox.length, 0, 'no mail for a closed start');
});

test('a commit that fails ends the process (the default for an error the engine cannot go on after); a new process finishes the item, every effect once', async (t) => {
  const dir = tempDir(t, 'crash-test-');
  const failed = await runChild(['place', dir, '1'], { FAIL_COMMITS: '1', SIM_LATENCY_MS: '5' }, undefined, 1);
  assert.match(failed.stderr, /disk full \(simulated\)/);
  const items = answeredItems(failed);
  assert.equal(items.length, 1, 'answered before the commits began to fail');
  const report = (await runChild(['recover', dir, items.join(',')])).lines[0];
  assertCompletedOnce(report, items[0]);
});

test('killed at moments under load (after 0, 1, 8, 20 and a random number of answers): every answered purchase completes, every effect once', async (t) => {
  const randomly = 2 + Math.floor(Math.random() * 20);
  for (const killAfterAnswers of [0, 1, 8, 20, randomly]) {
    const dir = tempDir(t, 'crash-test-');
    const crashed = await runChild(['place', dir, '24'], { SIM_LATENCY_MS: '3' }, killAfterAnswers);
    assert.equal(crashed.signal, 'SIGKILL', `killed after ${killAfterAnswers} answers`);
    const items = answeredItems(crashed);
    const recovered = await runChild(['recover', dir, items.join(',')]);
    const report = recovered.lines[0];
    for (const itemId of items) assertCompletedOnce(report, itemId);
    // Items never answered either completed too (committed before the kill) or were voided.
    for (const [itemId, operations] of operationsByItem(report.ledger)) {
      const withoutOccupant = operations.filter((op) => op !== 'create-occupant');
      const voided = JSON.stringify(withoutOccupant) === JSON.stringify(['authorize', 'void']);
      assert.ok(voided || JSON.stringify(withoutOccupant) === JSON.stringify(COMPLETE_OPERATIONS), `${itemId}: ${withoutOccupant}`);
    }
    const occupants = report.ledger.filter((e: LedgerEntry) => e.operation === 'create-occupant').length;
    assert.ok(occupants <= 7, `one occupant per email at most (${occupants})`);
  }
});
