// The ceiling of any engine around this chart and this store (a diagnostic for the throughput
// target, not a product figure): the least code that still drives the product's new-start chart
// with an XState actor per item and writes what the product writes, with group commit and every
// transition flushed before the next call. No runner, no call watch, no occupant locks, no bus, no
// simulators' rules: each call answers at once, as a zero-latency simulator would. Three variants,
// each adding writes to the one before:
//   chart+journal   the chart, a journal record per transition, the snapshot when the item rests
//   +event rows     the Event Viewer's rows and indexes, account numbers, the notification log
//   +ledgers        a ledger record, its item index and a state record per call, in the third
//                   parties' own store, each answered once that store is flushed
// With `processes` P > 1, each variant runs as P processes at once, each with N/P items over its
// own data directory (as bench:shards): an upper bound of what any engine writing this could do on
// P cores, whatever its threads share. Their items/s is all the items over the time from the first
// one's start to the last one's end. Each variant's CPU time per item (all threads) also gives the
// most any engine writing that could reach with every core of this machine busy all the time.
//   npm run bench:ceiling -- [items=10000] [runs=3] [inFlight=1000] [processes=1]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor } from 'xstate';
import type { ItemRecord, OrderRecord } from '../src/domain/index.ts';
import { CommitTicks } from '../src/engine/commitTicks.ts';
import { ulidFactory } from '../src/engine/ids.ts';
import { projectNotification, projectTransition } from '../src/engine/project.ts';
import { stateWrite } from '../src/engine/stateWrites.ts';
import { findActiveCall, indexCallStates, newStartMachine, persistSnapshot, type NewStartEvent, type StepOutput } from '../src/machines/index.ts';
import { openStore, openThirdPartyStore, type Batch } from '../src/store/index.ts';
import { benchPurchase } from './benchPurchase.ts';
import { runChild } from './child.ts';
import { median } from './stats.ts';

type Variant = 'chart+journal' | '+event rows' | '+ledgers';
const VARIANTS: Variant[] = ['chart+journal', '+event rows', '+ledgers'];

/** What each call answers on the happy path; odd items find an occupant (12.5 transitions per item). */
const OUTPUT: Record<string, (i: number) => StepOutput> = {
  AUTHCC: () => ({ authorizationId: 'a', authorizedAmount: 999 }),
  FINDADDRESSOCCUPANT: (i) => (i % 2 === 1 ? { occupantId: 'o' } : {}),
  CREATESUBSCRIBER: () => ({ occupantId: 'o' }),
  ADDADDRESSOCCUPANT: () => ({ addressId: 'ad' }),
  ADDSUBSCRIPTION: () => ({ subscriptionId: 's', accountNumber: '100' }),
  CCFUNDCAPTURE: () => ({ captureId: 'c', capturedAmount: 999 }),
  PAYMENTNEWSTART: () => ({ paymentId: 'p' }),
};

async function runOnce(variant: Variant, items: number, inFlight: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ceiling-'));
  const store = openStore(dir);
  const thirdParties = openThirdPartyStore(join(dir, 'third-parties'));
  const ledger = thirdParties.system('ledger');
  const rows = variant !== 'chart+journal';
  const ledgers = variant === '+ledgers';
  const callStates = indexCallStates(newStartMachine);
  const makeId = ulidFactory();
  const newId = () => makeId(Date.now());
  const offer = store.getOffer('daily-digital');

  // The engine's group commit: the writes of one event-loop turn in one transaction, callbacks once flushed.
  const ticks = new CommitTicks(store, (error) => {
    throw error;
  });
  const stage = (writes: Batch, then: () => void) => ticks.stage(writes, then);

  const provision = (i: number) =>
    new Promise<void>((done) => {
      const purchase = benchPurchase(i);
      const at = Date.now();
      const createdAt = new Date(at).toISOString();
      const [itemId, orderId] = [newId(), newId()];
      const data = { subscriber: purchase.subscriber, deliveryAddress: purchase.deliveryAddress, billingAddress: purchase.deliveryAddress };
      const item: ItemRecord = {
        itemId, orderId, appId: 'bench', customerId: purchase.customerId, shard: 0, name: 'Daily Digital', kind: 'subscription',
        offerId: 'daily-digital', price: 999, complimentary: false, gateway: 'payway', paymentToken: 'tok_visa', lookupStrategy: 'email-only', data, createdAt,
      };
      const order: OrderRecord = { orderId, appId: 'bench', customerId: item.customerId, idempotencyKey: `k${i}`, status: 'pending', processSync: false, itemIds: [itemId], createdAt };
      const actor = createActor(newStartMachine, { input: { itemId, complimentary: false, syncDeadlineAt: at + 5_000, firstEventId: newId(), at } });
      actor.start();
      let snapshot = actor.getSnapshot();
      let call = findActiveCall(callStates, snapshot.value);
      let sinceSnapshot = 0;
      const send = (event: NewStartEvent) => {
        const [prev, prevCall] = [snapshot, call];
        actor.send(event);
        snapshot = actor.getSnapshot();
        call = findActiveCall(callStates, snapshot.value);
        const state = stateWrite(item, event, snapshot, prevCall, call, (sinceSnapshot += 1));
        if (state.snapshotted) sinceSnapshot = 0;
        const writes: Batch = { states: [state.write] };
        if (rows) {
          const projection = projectTransition(item, prev.context, snapshot.context, offer);
          [writes.events, writes.accountNumbers] = [projection.events, projection.accountNumbers];
          const notification = projectNotification(item, prev, snapshot, Date.now());
          if (notification) writes.notifications = [notification];
        }
        stage(writes, act);
      };
      const act = () => {
        if (call === null || (call.phase !== 'calling' && call.meta.call !== 'STARTSTD')) {
          if (snapshot.value !== 'complete') throw new Error(`item ${i} came to rest at ${JSON.stringify(snapshot.value)}`);
          actor.stop();
          done();
          return;
        }
        const name = call.meta.call;
        if (name === 'STARTSTD') {
          send({ type: 'order.commit', at: Date.now(), startEventId: newId(), temporaryAccountNumber: `T${i}`, nextEventId: newId() });
          return;
        }
        const answer = () => send({ type: 'step.done', at: Date.now(), output: OUTPUT[name]?.(i) ?? {}, nextEventId: newId() });
        if (!ledgers) return answer();
        const key = `${itemId}/${name}`;
        const record = { system: 'payway', operation: name, itemId, idempotencyKey: key, calls: 1, performedAt: new Date().toISOString(), result: {} };
        // A simulator looks its key up before it acts.
        if (ledger.get(`ledger/${key}`) !== undefined) throw new Error(`${key} came twice`);
        void ledger.write([[`ledger/${key}`, record], [`ledger-item/${itemId}/${key}`, 1], [`state/${key}`, { at: Date.now() }]]).then(answer);
      };
      const first = { itemId, shard: 0, snapshot: persistSnapshot(snapshot), unfinished: true };
      stage({ orders: [order], items: [item], states: [first] }, act);
    });

  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items) await provision(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await store.close();
  await thirdParties.close();
  rmSync(dir, { recursive: true, force: true });
  // Wall-clock times, so the parent can take the window of children that started apart.
  const endedAt = performance.timeOrigin + performance.now();
  return { variant, items, seconds, startedAt: endedAt - seconds * 1000, endedAt, cpuMs: (cpu.user + cpu.system) / 1000 };
}

type ChildResult = Awaited<ReturnType<typeof runOnce>>;

/** A variant as `processes` children at once, sharing the items: items/s over their window and CPU ms per item. */
async function runVariant(variant: Variant, items: number, inFlight: number, processes: number) {
  const args = [String(Math.round(items / processes)), '1', String(Math.round(inFlight / processes)), '1', variant];
  const shares = await Promise.all(Array.from({ length: processes }, () => runChild<ChildResult>(import.meta.filename, args)));
  const total = shares.reduce((sum, share) => sum + share.items, 0);
  const window = (Math.max(...shares.map((share) => share.endedAt)) - Math.min(...shares.map((share) => share.startedAt))) / 1000;
  const cpuMs = shares.reduce((sum, share) => sum + share.cpuMs, 0);
  return { itemsPerSecond: Math.round(total / window), cpuMsPerItem: Math.round((cpuMs / total) * 1000) / 1000 };
}

const [itemsText = '10000', runsText = '3', inFlightText = '1000', processesText = '1', variant] = process.argv.slice(2);
if (variant) {
  process.stdout.write(JSON.stringify(await runOnce(variant as Variant, Number(itemsText), Number(inFlightText))));
  process.exit(0);
}
const processes = Number(processesText);
const rows = [];
// Variants take turns, so a slow spell of this machine does not land on one variant only.
const results = new Map<Variant, Array<Awaited<ReturnType<typeof runVariant>>>>(VARIANTS.map((v) => [v, []]));
for (let run = 0; run < Number(runsText); run++) {
  for (const v of VARIANTS) results.get(v)!.push(await runVariant(v, Number(itemsText), Number(inFlightText), processes));
}
// CPU time per item is what the machine cannot give more of: at that cost, every core busy all the
// time would reach this many items/s, however the work were spread over threads or processes.
const cores = availableParallelism();
for (const [v, runs] of results) {
  const cpuMsPerItem = median(runs.map((r) => r.cpuMsPerItem));
  rows.push({ variant: v, itemsPerSecond: median(runs.map((r) => r.itemsPerSecond)), cpuMsPerItem, [`items/s with ${cores} cores all busy`]: Math.round((cores * 1000) / cpuMsPerItem), runs: runs.map((r) => r.itemsPerSecond).join(' / ') });
}
console.table(rows);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = processes === 1 ? 'ceiling.json' : `ceiling-${processes}-processes.json`;
writeFileSync(join(import.meta.dirname, 'results', file), JSON.stringify({ at: new Date().toISOString(), items: Number(itemsText), inFlight: Number(inFlightText), processes, rows }, null, 2));
