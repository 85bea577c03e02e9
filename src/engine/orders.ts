// Placing an order (SPEC §3–§4): the order and its key are durable before the first call; the
// synchronous part of every item runs, all-or-nothing; the answer waits for STARTSTD to be
// flushed, or with processSync for the end of every item or the deadline.
import { createHash } from 'node:crypto';
import {
  isoTime,
  Refusal,
  type ConsumerApp,
  type ItemRecord,
  type Offer,
  type OrderRecord,
  type PurchaseInput,
} from '../domain/index.ts';
import { itemStatusOf, statePath } from '../machines/index.ts';
import type { IdempotencyRecord } from '../store/index.ts';
import { syncSettled, type EngineContext } from './context.ts';
import { shuttingDown } from './deadline.ts';
import type { Snapshot } from './live.ts';

/** A purchase to place, already validated by `parsePurchase`. */
export interface PlaceOrderRequest {
  appId: string;
  /** The client's Idempotency-Key (scoped to the app). */
  idempotencyKey: string;
  purchase: PurchaseInput;
  /**
   * Checks what only a new purchase must pass (the storefront session); called once the key is
   * known to be new, so a repeated key gets its first answer even after the session ended.
   */
  admitNew?: () => void;
  /**
   * The answer to keep for the key, so a repeated request gets it again: kept before the key
   * stops being in flight, so a repeat never sees the order started with no answer kept.
   */
  answerOf?: (outcome: Exclude<OrderOutcome, { kind: 'replay' }>) => KeptAnswer;
}

/** An answer kept with its Idempotency-Key, replayed as it was. */
export interface KeptAnswer {
  status: number;
  body: unknown;
}

/** An item of a successful answer. */
export interface PlacedItem {
  itemId: string;
  startEventId: string;
  temporaryAccountNumber: string;
  accountNumber?: string;
  status: 'in_progress' | 'complete' | 'failed' | 'closed';
  failedStep?: string;
  errorMessage?: string;
}

/** What a purchase comes to. Refusals (402, 404, 409, 422, 503) are thrown as `Refusal`. */
export type OrderOutcome =
  /** The key was answered before: the first answer, to replay as it was. */
  | { kind: 'replay'; answer: KeptAnswer }
  /** Split mode (or processSync past its deadline): provisioning goes on in the background. */
  | { kind: 'accepted'; orderId: string; items: PlacedItem[] }
  /** processSync: every step of every item succeeded. */
  | { kind: 'complete'; orderId: string; items: PlacedItem[] }
  /** processSync: a background step failed; the start waits in the Event Viewer. */
  | { kind: 'failed'; orderId: string; items: PlacedItem[] };

/** Places an order: see the file comment. */
export async function placeOrder(ctx: EngineContext, request: PlaceOrderRequest): Promise<OrderOutcome> {
  const { store, runner, clock, newId, settings } = ctx;
  const { appId, idempotencyKey, purchase } = request;
  const app = store.getApp(appId);
  if (!app) throw new Refusal('not-found', `consumer app ${appId} does not exist`);
  if (runner.isStopped) throw shuttingDown();
  const bodyHash = createHash('sha256').update(JSON.stringify(purchase)).digest('base64url');
  const flight = `${appId}\u0000${idempotencyKey}`;
  const known = store.getIdempotencyRecord(appId, idempotencyKey);
  if (known) return keep(ctx, request, await answerForExisting(ctx, known, bodyHash, flight), flight);
  // Checked only for a new key: a repeated key gets its first answer even after an offer changed.
  const offers = checkOffers(ctx, purchase);
  request.admitNew?.();
  const at = clock();
  const orderId = newId(at);
  const { order, items } = buildOrder(ctx, app, request, offers, orderId, at);
  const prepared = items.map((item) =>
    runner.prepare(item, {
      itemId: item.itemId,
      complimentary: item.complimentary,
      syncDeadlineAt: at + settings.syncBudgetMs,
      firstEventId: newId(at),
      at,
    }),
  );
  // The key, the order and each item's first snapshot are one transaction, flushed before the
  // first third-party call: a crash after it leaves a pending order that recovery aborts.
  const existing = await store.createOrder(
    { appId, key: idempotencyKey, record: { bodyHash, orderId } },
    { orders: [order], items, states: prepared.map((p) => p.state) },
  );
  if (existing) {
    for (const p of prepared) p.discard();
    return keep(ctx, request, await answerForExisting(ctx, existing, bodyHash, flight), flight);
  }
  return whileInFlight(ctx, flight, async () => {
    for (const p of prepared) p.launch();
    return keep(ctx, request, await runSyncPart(ctx, order, items, at + settings.processSyncDeadlineMs), flight);
  });
}

/** Runs `work` with the key in flight: a repeat of it meanwhile is 409. */
async function whileInFlight<T>(ctx: EngineContext, flight: string, work: () => Promise<T>): Promise<T> {
  ctx.inFlight.add(flight);
  try {
    return await work();
  } finally {
    ctx.inFlight.delete(flight);
  }
}

/**
 * Keeps the outcome's answer with the key, unless one is kept already (the first answer stands).
 * Repeats at once of a key whose answer was lost each reach here with their own outcome: the one
 * that stages its answer first wins, and the others replay it once it is durable.
 */
async function keep(ctx: EngineContext, request: PlaceOrderRequest, outcome: OrderOutcome, flight: string): Promise<OrderOutcome> {
  if (outcome.kind === 'replay' || !request.answerOf) return outcome;
  const keeping = ctx.keeping.get(flight);
  if (keeping) return { kind: 'replay', answer: await keeping };
  const record = ctx.store.getIdempotencyRecord(request.appId, request.idempotencyKey);
  if (record?.answer) return { kind: 'replay', answer: record.answer };
  if (!record) return outcome;
  const answer = request.answerOf(outcome);
  ctx.runner.stage({ idempotency: [{ appId: request.appId, key: request.idempotencyKey, record: { ...record, answer } }] });
  const kept = ctx.runner.durable().then(() => answer);
  ctx.keeping.set(flight, kept);
  try {
    await kept;
  } finally {
    ctx.keeping.delete(flight);
  }
  return outcome;
}

/** Runs the synchronous part; a processSync order then waits for the end until `deadlineAt` (ms). */
async function runSyncPart(ctx: EngineContext, order: OrderRecord, items: ItemRecord[], deadlineAt: number): Promise<OrderOutcome> {
  const { runner, clock, newId } = ctx;
  const orderId = order.orderId;
  const settled = await Promise.all(items.map((item) => runner.waitFor(item.itemId, syncSettled)));
  const rejected = settled.find((snapshot) => snapshot.context.rejection);
  if (rejected) return abortOrder(ctx, order, rejected);

  const committedAt = clock();
  // ADDRSTD's addresses become the start's data: what STARTSTD records, the later steps send and a
  // CSR edits. They are written with the commit.
  const standardizedItems = items.map((item, index) => withStandardizedAddresses(item, settled[index]));
  for (const item of standardizedItems) runner.refreshItem(item);
  const placed: PlacedItem[] = items.map((item) => {
    const startEventId = newId(committedAt);
    const temporaryAccountNumber = ctx.temporaryAccountNumber();
    runner.send(item.itemId, { type: 'order.commit', at: committedAt, startEventId, temporaryAccountNumber, nextEventId: newId(committedAt) });
    return { itemId: item.itemId, startEventId, temporaryAccountNumber, status: 'in_progress' };
  });
  runner.stage({ orders: [{ ...order, status: 'started' }], settledOrders: [orderId], items: standardizedItems });
  await runner.durable();
  if (!order.processSync) return { kind: 'accepted', orderId, items: placed };
  return awaitProvisioning(ctx, orderId, placed, deadlineAt);
}

function withStandardizedAddresses(item: ItemRecord, snapshot: Snapshot): ItemRecord {
  const standardized = snapshot.context.refs.standardized;
  if (!standardized) return item;
  const { deliveryAddress, billingAddress } = item.data;
  return { ...item, data: { ...item.data, ...standardized }, enteredAddresses: { deliveryAddress, billingAddress } };
}

function checkOffers(ctx: EngineContext, purchase: PurchaseInput): Offer[] {
  const issues: Array<{ path: string; message: string }> = [];
  const offers = purchase.items.map((item, index) => {
    const offer = ctx.store.getOffer(item.offerId);
    if (!offer) issues.push({ path: `items[${index}].offerId`, message: `no offer ${item.offerId} exists` });
    return offer!;
  });
  if (issues.length) throw new Refusal('invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
  if (!purchase.payment && offers.some((offer) => offer.price > 0)) {
    const message = 'is required unless every item is complimentary (price 0)';
    throw new Refusal('invalid', `payment ${message}`, { issues: [{ path: 'payment', message }] });
  }
  return offers;
}

async function answerForExisting(ctx: EngineContext, existing: IdempotencyRecord, bodyHash: string, flight: string): Promise<OrderOutcome> {
  if (existing.bodyHash !== bodyHash) {
    throw new Refusal('idempotency-mismatch', 'this Idempotency-Key was used with another request body');
  }
  if (existing.answer) return { kind: 'replay', answer: existing.answer };
  if (existing.refusal) {
    const { code, message, issues, details } = existing.refusal;
    throw new Refusal(code, message, { issues, details });
  }
  const order = ctx.store.getOrder(existing.orderId);
  if (ctx.inFlight.has(flight) || order?.status !== 'started') {
    throw new Refusal('idempotency-in-flight', 'the first request with this Idempotency-Key is still running');
  }
  // Started, but its answer was never kept (the process ended first): answered as the first
  // request would have been, a processSync order once its items end or the deadline passes.
  const items = order.itemIds.map((itemId): PlacedItem => {
    const context = ctx.runner.snapshotOf(itemId)!.context;
    return { itemId, startEventId: context.start!.eventId, temporaryAccountNumber: context.refs.temporaryAccountNumber!, status: 'in_progress' };
  });
  if (!order.processSync) return { kind: 'accepted', orderId: order.orderId, items };
  // In flight while it waits, like the first request: a repeat meanwhile is 409, not a second wait.
  return whileInFlight(ctx, flight, () => awaitProvisioning(ctx, order.orderId, items, ctx.clock() + ctx.settings.processSyncDeadlineMs));
}

function buildOrder(ctx: EngineContext, app: ConsumerApp, request: PlaceOrderRequest, offers: Offer[], orderId: string, at: number) {
  const { purchase } = request;
  const createdAt = isoTime(at);
  const shard = shardOf(orderId, ctx.settings.shards);
  const items: ItemRecord[] = purchase.items.map((line, index) => {
    const offer = offers[index];
    return {
      itemId: ctx.newId(at),
      orderId,
      appId: app.id,
      customerId: purchase.customerId,
      shard,
      name: line.name ?? offer.name,
      kind: line.kind,
      offerId: offer.offerId,
      price: offer.price,
      complimentary: offer.price === 0,
      gateway: purchase.payment?.gateway,
      paymentToken: purchase.payment?.token,
      lookupStrategy: app.lookupStrategy,
      data: {
        subscriber: purchase.subscriber,
        deliveryAddress: purchase.deliveryAddress,
        billingAddress: purchase.billingAddress ?? purchase.deliveryAddress,
      },
      createdAt,
    };
  });
  const order: OrderRecord = {
    orderId,
    appId: app.id,
    customerId: purchase.customerId,
    ...(purchase.sessionId ? { sessionId: purchase.sessionId } : {}),
    idempotencyKey: request.idempotencyKey,
    status: 'pending',
    processSync: app.processSync,
    itemIds: items.map((item) => item.itemId),
    createdAt,
  };
  return { order, items };
}

/** The shard of an order: items are grouped by order so one host can own them (DESIGN.md). */
function shardOf(orderId: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0;
  for (let i = 0; i < orderId.length; i++) hash = (hash * 31 + orderId.charCodeAt(i)) | 0;
  return Math.abs(hash) % shards;
}

async function abortOrder(ctx: EngineContext, order: OrderRecord, rejected: Snapshot): Promise<never> {
  const { runner, clock, store } = ctx;
  const at = clock();
  const refusal = rejectionRefusal(rejected);
  // A third party's refusal (a declined card, an undeliverable address) is the purchase's answer
  // for good, kept with its key like any first answer (SPEC §4); an unavailable one releases the
  // key, so a retry with it runs afresh (SPEC §3).
  const claimed = store.getIdempotencyRecord(order.appId, order.idempotencyKey);
  const record =
    rejected.context.rejection!.transient || !claimed
      ? null
      : { ...claimed, refusal: { code: refusal.code, message: refusal.message, issues: [...refusal.issues], details: { ...refusal.details } } };
  for (const itemId of order.itemIds) runner.send(itemId, { type: 'order.abort', at });
  runner.stage({
    orders: [{ ...order, status: 'aborted' }],
    settledOrders: [order.orderId],
    idempotency: [{ appId: order.appId, key: order.idempotencyKey, record }],
  });
  // The abort and the key's fate are on disk before the answer. (An engine stopping before this
  // is written writes nothing more; recovery then aborts the order and releases the key.)
  await runner.durable().catch(() => undefined);
  // Answer once every authorization of the order is voided, or at the in-request deadline (SPEC §3)
  // but with a moment for the voids of authorizations that answered: a void still under way (one
  // that waits for an authorization that never answered) goes on durably in the background.
  const voided = Promise.all(order.itemIds.map((itemId) => runner.waitFor(itemId, (s) => s.status === 'done')));
  await ctx.waits.wait(voided, Math.max(rejected.context.syncDeadlineAt - clock(), VOIDS_AFTER_DEADLINE_MS));
  throw refusal;
}

/** How long an order rejected at its in-request deadline still waits for its voids, in ms. */
const VOIDS_AFTER_DEADLINE_MS = 1_000;

function rejectionRefusal(snapshot: Snapshot): Refusal {
  const rejection = snapshot.context.rejection!;
  if (rejection.transient) {
    return new Refusal('unavailable', `${rejection.step} is unavailable: ${rejection.message}`, { details: { failedStep: rejection.step } });
  }
  if (rejection.step === 'AUTHCC') return new Refusal('declined', rejection.message, { details: { failedStep: 'AUTHCC' } });
  return new Refusal('invalid', rejection.message, {
    issues: [{ path: rejection.field ?? 'deliveryAddress', message: rejection.message }],
    details: { failedStep: rejection.step },
  });
}

const finished = (snapshot: Snapshot) => {
  const status = itemStatusOf(snapshot.value);
  return status !== 'in_progress';
};

/** A processSync order's answer: at its end, or as split mode once the request's deadline passes. */
async function awaitProvisioning(ctx: EngineContext, orderId: string, placed: PlacedItem[], deadlineAt: number): Promise<OrderOutcome> {
  const { runner, clock } = ctx;
  // The deadline counts from the request, so the synchronous part's retries are inside it.
  const all = Promise.all(placed.map((item) => runner.waitFor(item.itemId, finished)));
  const result = await ctx.waits.wait(all, deadlineAt - clock());
  if (!result) return { kind: 'accepted', orderId, items: placed };
  const items = placed.map((item, index): PlacedItem => {
    const snapshot = result[index];
    const status = itemStatusOf(snapshot.value);
    const failed = status !== 'complete';
    return {
      ...item,
      status: status === 'cancelled' || status === 'aborted' ? 'failed' : status,
      ...(snapshot.context.refs.accountNumber ? { accountNumber: snapshot.context.refs.accountNumber } : {}),
      ...(failed
        ? { failedStep: snapshot.context.current?.step ?? statePath(snapshot.value)[0], errorMessage: snapshot.context.current?.error?.message ?? status }
        : {}),
    };
  });
  return { kind: items.every((item) => item.status === 'complete') ? 'complete' : 'failed', orderId, items };
}
