// The engine's composition: createEngine({ store, connectors, clock, ... }) (STYLE.md).
import type { EventEmitter } from 'eventemitter3';
import {
  STARTSTD_CODE,
  STEPS,
  ensureError,
  stepByCode,
  type ConsumerApp,
  type Connectors,
  type EventRecord,
  type EventTypeToggles,
  type ItemView,
  type NotificationRecord,
  type Offer,
  type StartUpdate,
} from '../domain/index.ts';
import { createNewStartMachine, indexCallStates, isAtRest, itemStatusOf, type NewStartOptions } from '../machines/index.ts';
import type { EngineStore, EventPage, EventQuery } from '../store/index.ts';
import { createBus, type EngineEvents } from './bus.ts';
import { temporaryAccountNumbers, type EngineContext, type EngineSettings } from './context.ts';
import { cancelItem, closeStart, reprocessStart, updateStart, type ReprocessResult } from './csr.ts';
import { placeOrder, type OrderOutcome, type PlaceOrderRequest } from './orders.ts';
import { recover, type RecoveryReport } from './recovery.ts';
import { Runner, type DebugPoint } from './runner.ts';
import type { Snapshot } from './live.ts';
import { itemView, progressOf } from './views.ts';
import { customerKey } from './project.ts';
import { ulidFactory } from './ids.ts';
import { crashProcess } from './fatal.ts';
import { Release, shuttingDown } from './deadline.ts';

/** What the engine is built from; every field but `store` and `connectors` has a default. */
export interface EngineOptions extends Partial<EngineSettings> {
  store: EngineStore;
  connectors: Connectors;
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  /** Uniform in [0, 1), for retry jitter (default Math.random). */
  random?: () => number;
  /** Retry policies per step or action (default SPEC §3's). */
  retry?: NewStartOptions['retry'];
  /** Named points on the commit path, for crash tests. */
  debug?: DebugPoint;
  /** Called when a commit fails and the engine cannot go on (default: crash the process). */
  onFatal?: (error: Error) => void;
  /** A third-party call unanswered after this long counts as a transient failure, in ms (default 30,000). */
  callTimeoutMs?: number;
  /** How often journal records no recovery can need are dropped, in ms (default 10,000). */
  journalPruneEveryMs?: number;
}

/** An item's view with its progress through the steps. */
export type ItemDetail = ItemView & { progress: { done: number; total: number } };

/** The detail of one new start for the Event Viewer (SPEC §6). */
export interface StartDetail extends EventRecord {
  children: EventRecord[];
  state: unknown;
  authorizedAmount: number | null;
  offer: Offer | undefined;
  audit: ReturnType<EngineStore['listAudit']>;
  /** Compensation or follow-up calls the third party refused for good: the CSR has to see to them. */
  compensationErrors: Array<{ action: string; message: string; category: string }>;
}

/** The provisioning engine. */
export interface Engine {
  /** Every durable change of an item's status. */
  readonly bus: EventEmitter<EngineEvents>;
  /** True once recovery has finished. */
  readonly ready: boolean;
  /** Recovers what an earlier process left; call once before taking requests. */
  start(): Promise<RecoveryReport>;
  placeOrder(request: PlaceOrderRequest): Promise<OrderOutcome>;
  getOrder(orderId: string): { orderId: string; appId: string; customerId: string; status: string; items: ItemDetail[] } | undefined;
  getItem(itemId: string): ItemDetail | undefined;
  /** The item's chart state value, for the live highlight. */
  getItemState(itemId: string): Snapshot['value'] | undefined;
  /**
   * Resolves once the item is no longer in progress (complete, failed, closed, ...); undefined
   * for an unknown item or one whose order was aborted. Rejects (Refusal `unavailable`) once the
   * engine stops, whether it was stopped already or stops while this waits.
   */
  settled(itemId: string): Promise<ItemDetail | undefined>;
  listEvents(query: EventQuery): EventPage;
  /** A customer's notification log after `afterSeq` (exclusive), oldest first. */
  notifications(appId: string, customerId: string, afterSeq: number): NotificationRecord[];
  getStartDetail(eventId: string): StartDetail | undefined;
  /** Any event with the same detail (a child: no children, its start's audit trail). */
  getEventDetail(eventId: string): StartDetail | undefined;
  updateStart(startEventId: string, update: StartUpdate, operator: string): Promise<EventRecord>;
  reprocessStart(startEventId: string, operator: string): Promise<ReprocessResult>;
  closeStart(startEventId: string, operator: string): Promise<EventRecord>;
  cancelItem(itemId: string): Promise<ItemView>;
  putApp(app: ConsumerApp): Promise<void>;
  getApp(appId: string): ConsumerApp | undefined;
  putOffer(offer: Offer): Promise<boolean>;
  getOffer(offerId: string): Offer | undefined;
  listOffers(): Offer[];
  listEventTypes(): Array<{ code: number; name: string; sync: boolean } & EventTypeToggles>;
  setEventTypeToggles(code: number, toggles: Partial<EventTypeToggles>): Promise<{ code: number; name: string; sync: boolean } & EventTypeToggles>;
  /** How many items have an actor in memory. */
  readonly liveItems: number;
  /** How many transitions the engine took since it was built. */
  readonly transitions: number;
  /** Stops timers and actors and waits for staged writes; the store stays open. */
  stop(): Promise<void>;
  /**
   * Answers every request that waits on provisioning now, as its deadline would (a processSync
   * purchase as split mode, a cancel as unavailable): the server is going down.
   */
  releaseWaits(): void;
}

/** Builds an engine over a store and connectors. */
export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const ulid = ulidFactory();
  const machine = createNewStartMachine({ retry: options.retry });
  const callStates = indexCallStates(machine);
  const bus = createBus();
  const runner = new Runner({
    store: options.store,
    connectors: options.connectors,
    machine,
    clock,
    random,
    newId: (at) => ulid(at),
    bus,
    debug: options.debug,
    onFatal: options.onFatal,
    callTimeoutMs: options.callTimeoutMs,
  });
  const ctx: EngineContext = {
    store: options.store,
    runner,
    connectors: options.connectors,
    clock,
    random,
    newId: (at) => ulid(at),
    temporaryAccountNumber: temporaryAccountNumbers(clock),
    settings: {
      syncBudgetMs: options.syncBudgetMs ?? 5_000,
      processSyncDeadlineMs: options.processSyncDeadlineMs ?? 10_000,
      cancelDeadlineMs: options.cancelDeadlineMs ?? 10_000,
      shards: options.shards ?? 1,
    },
    busy: new Set(),
    inFlight: new Set(),
    keeping: new Map(),
    waits: new Release(),
  };
  const { store } = options;
  let ready = false;
  let pruner: NodeJS.Timeout | undefined;
  let pruning: Promise<unknown> | undefined;

  const detail = (itemId: string): ItemDetail | undefined => {
    const item = runner.itemOf(itemId);
    const snapshot = runner.snapshotOf(itemId);
    if (!item || !snapshot || itemStatusOf(snapshot.value) === 'aborted') return undefined;
    return { ...itemView(item, snapshot), progress: progressOf(item, snapshot.context) };
  };
  const eventDetail = (eventId: string): StartDetail | undefined => {
    const event = store.getEvent(eventId);
    if (!event) return undefined;
    const item = store.getItem(event.itemId)!;
    const snapshot = runner.snapshotOf(event.itemId);
    // A child shows its start's audit trail (CSR actions are on the start) and no children.
    const start = event.typeCode === STARTSTD_CODE ? eventId : event.parentEventId;
    return {
      ...event,
      children: event.typeCode === STARTSTD_CODE ? store.listChildEvents(eventId) : [],
      state: snapshot?.value,
      authorizedAmount: snapshot?.context.refs.authorizedAmount ?? null,
      offer: store.getOffer(item.offerId),
      audit: start ? store.listAudit(start) : [],
      compensationErrors: (snapshot?.context.actionErrors ?? []).map(({ action, message, category }) => ({ action, message, category })),
    };
  };

  const typeOf = (code: number) => {
    const step = stepByCode(code)!;
    return { code, name: step.name, sync: step.sync, ...store.getEventTypeToggles(code) };
  };

  return {
    bus,
    get ready() {
      return ready;
    },
    get liveItems() {
      return runner.size;
    },
    get transitions() {
      return runner.transitions;
    },
    async start() {
      const report = await recover(ctx);
      ready = true;
      pruner = setInterval(() => {
        if (pruning || runner.isStopped) return;
        pruning = store.pruneJournal(20_000).then(
          () => (pruning = undefined),
          (error) => {
            pruning = undefined;
            if (runner.isStopped) return;
            (options.onFatal ?? crashProcess)(ensureError(error)); // a store that cannot delete cannot be trusted to write
          },
        );
      }, options.journalPruneEveryMs ?? 10_000);
      pruner.unref();
      return report;
    },
    placeOrder: (request) => placeOrder(ctx, request),
    getOrder(orderId) {
      const order = store.getOrder(orderId);
      if (!order || order.status !== 'started') return undefined;
      const items = order.itemIds.map(detail).filter((item): item is ItemDetail => item !== undefined);
      return { orderId, appId: order.appId, customerId: order.customerId, status: order.status, items };
    },
    getItem: detail,
    getItemState: (itemId) => runner.snapshotOf(itemId)?.value,
    async settled(itemId) {
      // A stopped engine changes nothing more, and its store may be closed: the caller is told so.
      if (runner.isStopped) throw shuttingDown();
      if (!runner.snapshotOf(itemId)) return undefined;
      // At rest (no call, no timer) and not in progress: complete, failed, closed, cancelled, aborted.
      await runner.waitFor(itemId, (s) => isAtRest(callStates, s.value) && itemStatusOf(s.value) !== 'in_progress');
      return detail(itemId);
    },
    notifications(appId, customerId, afterSeq) {
      const key = customerKey(appId, customerId);
      const found: NotificationRecord[] = [];
      for (let page = store.listNotifications(key, afterSeq); page.length > 0; page = store.listNotifications(key, page[page.length - 1].seq)) {
        for (const entry of page) found.push(entry);
      }
      return found;
    },
    listEvents(query) {
      // The query runs even for a hidden type, so a bad cursor is refused the same way.
      const page = store.listEvents(query);
      return store.getEventTypeToggles(query.typeCode).viewInEventViewer ? page : { items: [], nextCursor: null };
    },
    getStartDetail(eventId) {
      const detail = eventDetail(eventId);
      return detail?.typeCode === STARTSTD_CODE ? detail : undefined;
    },
    getEventDetail: (eventId) => eventDetail(eventId),
    updateStart: (startEventId, update, operator) => updateStart(ctx, startEventId, update, operator),
    reprocessStart: (startEventId, operator) => reprocessStart(ctx, startEventId, operator),
    closeStart: (startEventId, operator) => closeStart(ctx, startEventId, operator),
    cancelItem: (itemId) => cancelItem(ctx, itemId),
    putApp: (app) => store.putApp(app),
    getApp: (appId) => store.getApp(appId),
    putOffer: (offer) => store.putOffer(offer),
    getOffer: (offerId) => store.getOffer(offerId),
    listOffers: () => store.listOffers(),
    listEventTypes: () => STEPS.map((step) => typeOf(step.code)),
    async setEventTypeToggles(code, toggles) {
      await store.setEventTypeToggles(code, { ...store.getEventTypeToggles(code), ...toggles });
      return typeOf(code);
    },
    releaseWaits: () => ctx.waits.release(),
    async stop() {
      ctx.waits.release();
      clearInterval(pruner);
      await runner.stop();
      await pruning;
    },
  };
}
