// Recovery on open (SPEC §4): orders whose synchronous part had not finished are aborted (their
// authorizations voided, their idempotency keys released); every other unfinished item is
// brought back from its snapshot and resumes, making an in-flight call again under its key.
import type { EngineContext } from './context.ts';

/** What recovery found and did. */
export interface RecoveryReport {
  abortedOrders: number;
  resumedItems: number;
}

/** Aborts pending orders and resumes unfinished items; resolves once all are under way. */
export async function recover(ctx: EngineContext): Promise<RecoveryReport> {
  const { store, runner, clock } = ctx;
  // What the last process committed may not be on disk yet (it may have died before its flush):
  // one flush vouches for it before anything is called again on its strength.
  await runner.durable();
  const handled = new Set<string>();
  const unfinished = store.listUnfinishedItems();
  for (const state of unfinished) runner.restore(state);
  const pending = store.listPendingOrders();
  for (const order of pending) {
    const at = clock();
    for (const itemId of order.itemIds) {
      handled.add(itemId);
      // An item already past its synchronous part (aborting) takes no abort: it just resumes.
      if (!runner.send(itemId, { type: 'order.abort', at })) runner.resume(itemId);
    }
    runner.stage({
      orders: [{ ...order, status: 'aborted' }],
      settledOrders: [order.orderId],
      idempotency: [{ appId: order.appId, key: order.idempotencyKey, record: null }],
    });
  }
  let resumed = 0;
  for (const { itemId } of unfinished) {
    if (handled.has(itemId)) continue;
    runner.resume(itemId);
    resumed += 1;
  }
  await runner.durable();
  return { abortedOrders: pending.length, resumedItems: resumed };
}
