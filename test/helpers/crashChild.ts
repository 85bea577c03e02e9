// A product process for crash tests: `place` buys and prints each answer as it comes, and may be
// killed with SIGKILL at a named debug point (CRASH_AT=point:call:phase) or by the parent at any
// moment; `recover` reopens the same directory, lets recovery finish everything, and prints what
// the store and the simulators' ledgers hold. With CSR_ACTION=reprocess or close, `place` buys
// for Doe's, whose start fails, and the debug point is armed only once a CSR acts on it then
// (the last name fixed and the start reprocessed, or the start closed). With FAIL_COMMITS=1, the
// commits fail once a purchase is answered.
import { join } from 'node:path';
import { createEngine } from '../../src/engine/index.ts';
import { openStore, openThirdPartyStore } from '../../src/store/index.ts';
import { createSimulators } from '../../src/sim/index.ts';
import { parsePurchase, Refusal } from '../../src/domain/index.ts';
import { FAST_RETRIES, purchaseBody } from './world.ts';

const [mode, dir, countText = '1', token = 'tok_visa'] = process.argv.slice(2);
const crashAt = process.env.CRASH_AT;
const csrAction = process.env.CSR_ACTION as 'reprocess' | 'close' | undefined;
/** The debug point kills only once armed: at once, or after the start failed (CSR_ACTION). */
let armed = !csrAction;
const latencyMs = Number(process.env.SIM_LATENCY_MS ?? 0);
const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

// FAIL_COMMITS=1: once a purchase is answered, every commit of a transition fails (a full disk),
// and the engine's default for that ends the process.
let commitsFail = false;
const opened = openStore(dir);
const store: typeof opened =
  process.env.FAIL_COMMITS === '1'
    ? { ...opened, commit: (batch) => (commitsFail && batch.states?.length ? Promise.reject(new Error('disk full (simulated)')) : opened.commit(batch)) }
    : opened;
const thirdParty = openThirdPartyStore(join(dir, 'third-parties'));
const sims = createSimulators({ store: thirdParty, latencyMs });
const engine = createEngine({
  store,
  connectors: sims.connectors,
  retry: FAST_RETRIES,
  syncBudgetMs: 2_000,
  journalPruneEveryMs: 20,
  debug: (point, detail) => {
    if (!crashAt || !armed) return;
    const [atPoint, atCall, atPhase, delay] = crashAt.split(':');
    if (point !== atPoint || detail.call !== atCall || (atPhase && detail.phase !== atPhase)) return;
    // A delay kills mid-call: after the third party acted, before the engine hears of it.
    if (delay) setTimeout(() => process.kill(process.pid, 'SIGKILL'), Number(delay));
    else process.kill(process.pid, 'SIGKILL');
  },
});

if (!store.getApp('shop')) await engine.putApp({ id: 'shop', name: 'Shop', processSync: false, lookupStrategy: 'email-only' });
// CLOSE_FAILED: the circulation system is down when recovery resumes the items, until their steps give up.
const closeFailed = mode === 'recover' && process.env.CLOSE_FAILED === '1';
if (closeFailed) await sims.controls.setOutage(true);
await engine.start();

if (mode === 'place') {
  if (process.env.OUTAGE === 'on') await sims.controls.setOutage(true);
  out({ ready: true }); // a parent killing at a random moment counts from here, not from start-up
  const count = Number(countText);
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const email = `buyer${i % 7}@example.com`;
      const lastName = csrAction ? "Doe's" : 'Lee';
      const body = purchaseBody({ customerId: `c${i}`, subscriber: { firstName: 'Pat', lastName, email }, payment: { gateway: i % 2 ? 'braintree' : 'payway', token } });
      try {
        const outcome = await engine.placeOrder({ appId: 'shop', idempotencyKey: `k${i}`, purchase: parsePurchase(body) });
        out({ answered: i, outcome });
        commitsFail = true;
        if (outcome.kind === 'accepted') await Promise.all(outcome.items.map((item) => engine.settled(item.itemId)));
        if (outcome.kind === 'accepted' && csrAction) {
          const [{ itemId, startEventId }] = outcome.items;
          out({ failed: itemId, status: (await engine.settled(itemId))?.status });
          armed = true;
          if (csrAction === 'close') await engine.closeStart(startEventId, 'csr');
          else {
            await engine.updateStart(startEventId, { subscriber: { lastName: 'Doe' } }, 'csr');
            await engine.reprocessStart(startEventId, 'csr');
          }
          out({ csr: csrAction });
          await engine.settled(itemId);
        }
      } catch (error) {
        out({ refused: i, code: error instanceof Refusal ? error.code : String(error) });
      }
    }),
  );
  out({ placed: true });
} else {
  if (!closeFailed) await sims.controls.setOutage(false);
  // Everything recovery resumed runs to rest; aborted orders are voided.
  while (store.listUnfinishedItems().length > 0 || store.listPendingOrders().length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const itemIds = countText === 'all' ? [] : countText.split(',').filter(Boolean);
  if (closeFailed) {
    // The outage ends and a CSR closes every start that failed.
    await sims.controls.setOutage(false);
    for (const itemId of itemIds) {
      const view = await engine.settled(itemId);
      if (view?.status === 'failed') await engine.closeStart(view.startEventId!, 'csr');
    }
  }
  // The store shows a commit before its flush reaches the engine: wait for each item's flushed state.
  await Promise.all(itemIds.map((itemId) => engine.settled(itemId)));
  out({
    items: itemIds.map((itemId) => {
      const view = engine.getItem(itemId);
      const start = view?.startEventId ? engine.getStartDetail(view.startEventId) : undefined;
      return {
        itemId,
        status: view?.status,
        errorMessage: view?.errorMessage,
        state: engine.getItemState(itemId),
        accountNumber: view?.accountNumber,
        children: start?.children.map((e) => [e.typeName, e.status, e.attempts]),
      };
    }),
    subscriptions: thirdParty.system('circulation').range<{ accountNumber: string; status: string }>('subscription/').map(([, s]) => [s.accountNumber, s.status]),
    ledger: sims.controls.ledger(),
    outbox: sims.controls.outbox(),
    keys: Array.from({ length: 50 }, (_, i) => `k${i}`).filter((k) => store.getIdempotencyRecord('shop', k)),
  });
}
await engine.stop();
await store.close();
await thirdParty.close();
