// Every state of the chart persisted, restored in a new engine and driven to its end (SPEC §4).
// A reference run records each point where an item comes to a state; then, for each point, a run
// stops the engine right there, a new engine opens the same directory, and the item is driven to
// its end: the simulators' ledgers must hold the same effects as the reference's, once each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError, type Connectors } from '../src/domain/index.ts';
import { createWorld, purchaseBody, type World } from './helpers/world.ts';
import { tempDir } from './helpers/tempDir.ts';

/** Faults a test injects around the real simulators. */
interface Faults {
  /** The first call of every idempotency key fails transiently: every call state meets waitingToRetry. */
  flaky: boolean;
  /** Calls of these steps fail permanently until a CSR fixes "the cause". */
  failing: Set<string>;
  /** Authorizations of this amount are declined (one item of an order). */
  declineAmount?: number;
  seen: Set<string>;
}

function withFaults(connectors: Connectors, faults: Faults): Connectors {
  const wrap = <T extends object>(target: T): T =>
    Object.fromEntries(
      Object.entries(target).map(([name, method]) => [
        name,
        (request: any, context: { idempotencyKey: string; itemId: string }) => {
          const call = context.idempotencyKey.split('/')[1];
          if (faults.failing.has(call)) return Promise.reject(new PermanentError('third-party', 'injected', `${call} refused (injected fault)`));
          if (name === 'authorize' && request.amount === faults.declineAmount) {
            return Promise.reject(new PermanentError('bad-user-data', 'card-declined', 'declined (injected)'));
          }
          if (faults.flaky && !faults.seen.has(context.idempotencyKey)) {
            faults.seen.add(context.idempotencyKey);
            return Promise.reject(new TransientError(`${call} timed out (injected)`));
          }
          return (method as Function).call(target, request, context);
        },
      ]),
    ) as T;
  return {
    addresses: wrap(connectors.addresses),
    gateways: { payway: wrap(connectors.gateways.payway), braintree: wrap(connectors.gateways.braintree) },
    circulation: wrap(connectors.circulation),
    registration: wrap(connectors.registration),
    preferences: wrap(connectors.preferences),
    mailer: wrap(connectors.mailer),
  };
}

interface Case {
  name: string;
  body: Record<string, unknown>;
  flaky?: boolean;
  failing?: string[];
  declineAmount?: number;
  /** What the CSR does with a failed start. */
  onFailed: 'reprocess' | 'close';
  /** The shopper cancels once complete. */
  cancel?: boolean;
  /** Stop only at points matching this (default: every point). */
  only?: RegExp;
}

/** Drives every item to its end as a CSR and a shopper would. */
async function drive(world: World, itemIds: string[], kase: Case, faults: Faults): Promise<void> {
  const cancelled = new Set<string>();
  for (const itemId of itemIds) {
    for (let round = 0; round < 10; round++) {
      const view = await world.engine.settled(itemId);
      if (!view) break; // an aborted order
      if (view.status === 'failed') {
        faults.failing.clear();
        if (kase.onFailed === 'reprocess') await world.engine.reprocessStart(view.startEventId!, 'csr');
        else await world.engine.closeStart(view.startEventId!, 'csr');
      } else if (view.status === 'complete' && kase.cancel && !cancelled.has(itemId)) {
        cancelled.add(itemId);
        await world.engine.cancelItem(itemId);
      } else break;
    }
  }
}

const operations = (world: World) => world.sims.controls.ledger().map((e) => `${e.system}:${e.operation}`).sort();

async function run(t: any, kase: Case, stopAt?: string) {
  const dir = tempDir(t, 'restore-test-');
  const faults = (): Faults => ({ flaky: kase.flaky ?? false, failing: new Set(kase.failing), declineAmount: kase.declineAmount, seen: new Set() });
  const points: string[] = [];
  const itemIds: string[] = [];
  let stop: () => void = () => {};
  const stopped = Object.assign(new Promise<'stopped'>((resolve) => (stop = () => {
    stopped.done = true;
    resolve('stopped');
  })), { done: false });
  let world: World | undefined;
  const first = faults();
  world = await createWorld(
    t,
    {
      wrapConnectors: (connectors) => withFaults(connectors, first),
      debug: (_point, detail) => {
        if (!itemIds.includes(detail.itemId)) itemIds.push(detail.itemId);
        const name = `${detail.call}:${detail.phase}`;
        if (!points.includes(name)) points.push(name);
        if (name === stopAt) {
          void world!.engine.stop();
          stop();
        }
      },
    },
    dir,
  );
  const scenario = (async () => {
    const outcome = await world!.purchase(kase.body).catch(() => undefined);
    // Once stopped, the first world's stores are closed: it must not be driven any further.
    if (!stopped.done) await drive(world!, itemIds, kase, first);
    return outcome;
  })();
  const result = await Promise.race([scenario, stopped]);
  if (result !== 'stopped') {
    const reference = { points, operations: operations(world), aborted: false };
    await world.close();
    return reference;
  }
  scenario.catch(() => undefined); // the stopped engine leaves it hanging or refused
  await world.close();
  const second = faults();
  const restarted = await createWorld(t, { wrapConnectors: (connectors) => withFaults(connectors, second) }, dir);
  await drive(restarted, itemIds, kase, second);
  const aborted = itemIds.every((itemId) => restarted.engine.getItem(itemId) === undefined);
  assert.equal(restarted.store.listUnfinishedItems().length, 0, 'nothing left unfinished');
  const result2 = { points, operations: operations(restarted), aborted };
  await restarted.close();
  return result2;
}

const CASES: Case[] = [
  { name: 'a complete start a shopper then cancels, every call failing once first', body: purchaseBody(), flaky: true, onFailed: 'reprocess', cancel: true },
  ...['FINDADDRESSOCCUPANT', 'CREATESUBSCRIBER', 'ADDADDRESSOCCUPANT', 'ADDSUBSCRIPTION', 'CCFUNDCAPTURE', 'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN', 'LINKOWNER', 'CHGEMAILPREF'].map(
    (step): Case => ({ name: `${step} failed, then reprocessed`, body: purchaseBody(), failing: [step], onFailed: 'reprocess', only: new RegExp(`^${step}:failed$`) }),
  ),
  { name: 'closed after capture: stop the subscription and refund', body: purchaseBody(), flaky: true, failing: ['UPDATEPAYMENTTRAN'], onFailed: 'close', only: /^(stop-subscription|refund|closed|UPDATEPAYMENTTRAN:failed)/ },
  { name: 'closed before capture: void', body: purchaseBody(), flaky: true, failing: ['CCFUNDCAPTURE'], onFailed: 'close', only: /^(stop-subscription|void|closed)/ },
  { name: 'an order aborted by a declined item', body: purchaseBody({ items: [{ offerId: 'daily-digital' }, { offerId: 'weekend' }] }), flaky: true, declineAmount: 1299, onFailed: 'close' },
];

for (const kase of CASES) {
  test(`every state restored in a new engine: ${kase.name}`, async (t) => {
    const reference = await run(t, kase);
    const stops = reference.points.filter((point) => !kase.only || kase.only.test(point));
    assert.ok(stops.length > 0, 'the reference run passed the points to stop at');
    if (process.env.SHOW_POINTS) console.log(kase.name, stops.join(' '));
    for (const stopAt of stops) {
      const restored = await run(t, kase, stopAt);
      if (restored.aborted) {
        // Stopped inside the synchronous part: recovery aborts the order and voids what it authorized.
        const authorized = restored.operations.filter((op) => op.endsWith(':authorize')).length;
        const voided = restored.operations.filter((op) => op.endsWith(':void')).length;
        assert.equal(voided, authorized, `${stopAt}: every authorization voided`);
        assert.ok(restored.operations.every((op) => /authorize|void/.test(op)), `${stopAt}: nothing else done`);
      } else {
        assert.deepEqual(restored.operations, reference.operations, `stopped at ${stopAt}`);
      }
    }
  });
}
