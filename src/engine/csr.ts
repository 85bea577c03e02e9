// What a CSR does to a failed start (SPEC §3, §6), and a shopper's cancel (SPEC §5). Each action
// acts on the STARTSTD event id, only in the state that allows it, one at a time per item, and
// is audited in the same transaction as the change it makes.
import {
  callKey,
  isoTime,
  retryDelay,
  EventStatus,
  Refusal,
  TransientError,
  type Address,
  STARTSTD_CODE,
  stepByName,
  type AuditEntry,
  type EventRecord,
  type ItemRecord,
  type StartData,
  type StartUpdate,
} from '../domain/index.ts';
import { itemStatusOf, type CallError } from '../machines/index.ts';
import type { EngineContext } from './context.ts';
import { toCallError } from './calls.ts';
import { shuttingDown } from './deadline.ts';
import { eventData, eventRow } from './project.ts';
import type { Snapshot } from './live.ts';
import { itemView } from './views.ts';

interface FailedStart {
  start: EventRecord;
  item: ItemRecord;
  snapshot: Snapshot;
}

/** Runs `action` on an item in `status`, refusing a second action on the same item meanwhile. */
async function exclusively<T>(
  ctx: EngineContext,
  itemId: string,
  status: 'failed' | 'complete',
  action: (item: ItemRecord, snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  // The Event Viewer lists what is committed; the engine's view of the item catches up once it is flushed.
  await ctx.runner.caughtUp(itemId);
  if (ctx.runner.isStopped) throw shuttingDown();
  const item = ctx.runner.itemOf(itemId);
  const snapshot = ctx.runner.snapshotOf(itemId);
  if (!item || !snapshot) throw new Refusal('not-found', `no item ${itemId}`);
  if (ctx.busy.has(itemId)) throw new Refusal('conflict', 'another action on this item is in progress');
  const current = itemStatusOf(snapshot.value);
  if (current !== status) throw new Refusal('conflict', `only a ${status} item allows this; this one is ${current}`);
  // A start being closed still shows failed to its shopper until the compensation is done; for a
  // CSR it is closed (STARTSTD 9) from the close on.
  if (status === 'failed' && snapshot.context.start?.status !== EventStatus.failed) throw new Refusal('conflict', 'this start is closed');
  ctx.busy.add(itemId);
  try {
    return await action(item, snapshot);
  } finally {
    ctx.busy.delete(itemId);
  }
}

/** Runs `action` on a failed start, by its STARTSTD event id (SPEC §6). */
async function onFailedStart<T>(ctx: EngineContext, startEventId: string, action: (start: FailedStart) => Promise<T>): Promise<T> {
  if (ctx.runner.isStopped) throw shuttingDown();
  const start = ctx.store.getEvent(startEventId);
  if (!start || start.typeCode !== STARTSTD_CODE) throw new Refusal('not-found', `no new start has event id ${startEventId}`);
  return exclusively(ctx, start.itemId, 'failed', (item, snapshot) => action({ start, item, snapshot }));
}

const audit = (ctx: EngineContext, operator: string, action: AuditEntry['action'], eventId: string, changes: AuditEntry['changes'] = []): AuditEntry => ({
  at: isoTime(ctx.clock()),
  operator,
  action,
  eventId,
  changes,
});

/** Changes the editable fields of a failed start (SPEC §6); resolves to the updated STARTSTD event. */
export function updateStart(ctx: EngineContext, startEventId: string, update: StartUpdate, operator: string): Promise<EventRecord> {
  return onFailedStart(ctx, startEventId, async ({ item, snapshot }) => {
    const data = await standardizeEdited(ctx, item, applyUpdate(item.data, update));
    const changes = changesBetween(item.data, data);
    // An update that changes nothing writes nothing, not even an audit entry.
    if (changes.length === 0) return ctx.store.getEvent(startEventId)!;
    const updated: ItemRecord = { ...item, data };
    const start = snapshot.context.start!;
    const startRow = { ...eventRow(updated, snapshot.context, start), updatedAt: isoTime(ctx.clock()) };
    const startData = eventData(updated, snapshot.context, start, undefined);
    ctx.runner.refreshItem(updated);
    ctx.runner.stage({
      items: [updated],
      events: [{ event: startRow, previousStatus: startRow.status, data: startData }],
      audit: [audit(ctx, operator, 'update', startEventId, changes)],
    });
    await ctx.runner.durable();
    return { ...startRow, data: startData };
  });
}

const SECTIONS = ['subscriber', 'deliveryAddress', 'billingAddress'] as const;

/** The data with the fields an update gives replacing those fields. */
function applyUpdate(data: StartData, update: StartUpdate): StartData {
  const defined = (patch: object | undefined) => Object.fromEntries(Object.entries(patch ?? {}).filter(([, value]) => value !== undefined));
  return {
    subscriber: { ...data.subscriber, ...defined(update.subscriber) },
    deliveryAddress: { ...data.deliveryAddress, ...defined(update.deliveryAddress) },
    billingAddress: { ...data.billingAddress, ...defined(update.billingAddress) },
  };
}

/** Every field that differs between two versions of a start's data, as the audit trail records it. */
function changesBetween(before: StartData, after: StartData): AuditEntry['changes'] {
  const changes: AuditEntry['changes'] = [];
  for (const section of SECTIONS) {
    const [from, to] = [before[section] as Record<string, unknown>, after[section] as Record<string, unknown>];
    for (const field of new Set([...Object.keys(from), ...Object.keys(to)])) {
      if (from[field] !== to[field]) changes.push({ field: `${section}.${field}`, from: from[field] ?? null, to: to[field] ?? null });
    }
  }
  return changes;
}

/**
 * An address the update changes goes through address standardization again, as at the purchase:
 * the later steps send what ADDRSTD returns, and an undeliverable address is refused (422 naming
 * the field) with nothing changed. Transient failures are retried within the in-request budget,
 * both addresses under one deadline. Standardization changes nothing at the third party (SPEC §7).
 */
async function standardizeEdited(ctx: EngineContext, item: ItemRecord, data: StartData): Promise<StartData> {
  const at = ctx.clock();
  const run: Standardizing = { deadlineAt: at + ctx.settings.syncBudgetMs, over: false };
  const key = `${callKey(item.itemId, 'ADDRSTD')}/${ctx.newId(at)}`;
  const edits = changesBetween(item.data, data);
  const changed = (field: 'deliveryAddress' | 'billingAddress') => edits.some((change) => change.field.startsWith(`${field}.`));
  try {
    const [deliveryAddress, billingAddress] = await Promise.all([
      changed('deliveryAddress') ? standardizeOne(ctx, run, item.itemId, 'deliveryAddress', data.deliveryAddress, key) : data.deliveryAddress,
      changed('billingAddress') ? standardizeOne(ctx, run, item.itemId, 'billingAddress', data.billingAddress, `${key}/billing`) : data.billingAddress,
    ]);
    if (goingDown(ctx)) throw shuttingDown();
    return { ...data, deliveryAddress, billingAddress };
  } finally {
    run.over = true; // a refusal of one address ends the other's retries
  }
}

/** One edit's standardization: its deadline, and whether it is over. */
interface Standardizing {
  deadlineAt: number;
  over: boolean;
}

/** True once the server is going down: waits are released before the engine stops. */
const goingDown = (ctx: EngineContext) => ctx.waits.released || ctx.runner.isStopped;

/** One address through the standardizer, retrying transient failures within the edit's deadline. */
async function standardizeOne(ctx: EngineContext, run: Standardizing, itemId: string, field: 'deliveryAddress' | 'billingAddress', address: Address, key: string): Promise<Address> {
  const { retry } = stepByName('ADDRSTD');
  let waited = 0;
  for (let failedCalls = 1; ; failedCalls++) {
    if (run.over || goingDown(ctx)) throw shuttingDown();
    let error: CallError;
    try {
      const answer = await ctx.waits.wait(ctx.connectors.addresses.standardize({ address, field }, { idempotencyKey: key, itemId }), run.deadlineAt - ctx.clock());
      if (answer) return answer.address;
      if (goingDown(ctx)) throw shuttingDown();
      error = toCallError(new TransientError('address standardization did not answer in time'));
    } catch (thrown) {
      if (thrown instanceof Refusal) throw thrown;
      error = toCallError(thrown);
    }
    if (!error.transient) {
      if (error.category === 'bad-user-data') throw new Refusal('invalid', error.message, { issues: [{ path: error.field ?? field, message: error.message }] });
      throw new Refusal('failed', `address standardization refused the ${field}: ${error.message}`);
    }
    const wait = retryDelay(retry, failedCalls, ctx.random());
    // The waits are counted too, so a clock that stands still still ends the retries.
    if (ctx.clock() + wait >= run.deadlineAt || waited + wait >= ctx.settings.syncBudgetMs) {
      throw new Refusal('unavailable', `address standardization is unavailable (${error.message}); try again`);
    }
    waited += wait;
    await ctx.waits.wait(new Promise<never>(() => undefined), wait); // ended by its time, or by a shutdown
  }
}

/** What a reprocess answers: the start, and the new child event that replaces the failed one. */
export interface ReprocessResult {
  eventId: string;
  itemId: string;
  status: EventStatus;
  reprocessEventId: string;
}

/** Re-runs the failed step with the current data and offer, then the rest (SPEC §3). */
export function reprocessStart(ctx: EngineContext, startEventId: string, operator: string): Promise<ReprocessResult> {
  return onFailedStart(ctx, startEventId, async ({ item, snapshot }) => {
    const failedStep = snapshot.context.current!.step;
    if (!ctx.store.getEventTypeToggles(STARTSTD_CODE).allowResubmit) {
      throw new Refusal('conflict', 'Allow resubmit is off for STARTSTD');
    }
    if (!ctx.store.getEventTypeToggles(stepByName(failedStep).code).allowResubmit) {
      throw new Refusal('conflict', `Allow resubmit is off for ${failedStep}`);
    }
    const at = ctx.clock();
    const eventId = ctx.newId(at);
    const taken = ctx.runner.send(item.itemId, { type: 'csr.reprocess', at, eventId }, { audit: [audit(ctx, operator, 'reprocess', startEventId)] });
    if (!taken) throw new Refusal('conflict', 'the start can no longer be reprocessed');
    await ctx.runner.durable();
    return { eventId: startEventId, itemId: item.itemId, status: EventStatus.success, reprocessEventId: eventId };
  });
}

/** Marks a failed start closed and compensates what was done (SPEC §3); resolves to STARTSTD. */
export function closeStart(ctx: EngineContext, startEventId: string, operator: string): Promise<EventRecord> {
  return onFailedStart(ctx, startEventId, async ({ item }) => {
    const taken = ctx.runner.send(item.itemId, { type: 'csr.close', at: ctx.clock() }, { audit: [audit(ctx, operator, 'close', startEventId)] });
    if (!taken) throw new Refusal('conflict', 'the start can no longer be closed');
    await ctx.runner.durable();
    return ctx.store.getEvent(startEventId)!;
  });
}

/**
 * A shopper's cancel of a complete item (SPEC §5): answers once the circulation system has recorded
 * the stop and the item is cancelled. Past the deadline (an outage) it refuses as unavailable and
 * the stop goes on; the item stays complete until then (asking again meanwhile waits for the same
 * stop), and a cancel asked once it is cancelled is refused as for any cancelled item (409).
 */
export async function cancelItem(ctx: EngineContext, itemId: string) {
  return exclusively(ctx, itemId, 'complete', async (item) => {
    ctx.runner.send(itemId, { type: 'shopper.cancel', at: ctx.clock() }); // not taken when already stopping
    await ctx.runner.durable();
    const stopped = await ctx.waits.wait(ctx.runner.waitFor(itemId, isCancelled), ctx.settings.cancelDeadlineMs);
    const refused = stopped && !isCancelled(stopped) && stopped.context.actionErrors.findLast((error) => error.action === 'stop-subscription');
    if (refused) throw new Refusal('failed', `the circulation system refused to stop the subscription: ${refused.message}`);
    if (!stopped || !isCancelled(stopped)) {
      throw new Refusal('unavailable', 'the circulation system has not recorded the stop yet; it goes on, and the subscription becomes cancelled once it is recorded');
    }
    return itemView(item, stopped);
  });
}

const isCancelled = (snapshot: Snapshot) => itemStatusOf(snapshot.value) === 'cancelled';
