// The engine's store on LMDB (SPEC §4): one environment in the data directory, one transaction per
// commit tick, answers released only after the data is flushed to disk (lmdb `flushed`).
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { open, type Key } from 'lmdb';
import { monotonicFactory } from 'ulid';
import { SEED_OFFERS, type ConsumerApp, type EventRecord, type EventTypeToggles, type Offer, type Operator, type OrderRecord } from '../domain/index.ts';
import { listEvents, readEvent } from './eventQuery.ts';
import { migrateEventRows } from './migrations.ts';
import { factsOf, statusRecordOf } from './eventRows.ts';
import { createConfigCache } from './configCache.ts';
import { Journal } from './journal.ts';
import type { Tables } from './tables.ts';
import type { Batch, EngineStore } from './types.ts';

const ALL_ON: EventTypeToggles = Object.freeze({ viewInEventViewer: true, allowResubmit: true });

/** Opens (creating when new) the engine's store under `dataDir`. */
export function openStore(dataDir: string): EngineStore {
  const path = join(dataDir, 'engine');
  mkdirSync(path, { recursive: true });
  const root = open({ path, maxDbs: 32, encoder: { useRecords: false }, compression: false });
  // Plain msgpack: lmdb's shared record structures cost more than they save for varying records.
  const encoder = { useRecords: false };
  const table = <V, K extends Key = Key>(name: string) => root.openDB<V, K>({ name, compression: false, ...{ encoder } });
  const t: Tables = {
    root,
    orders: table('orders'),
    pending: table('pending-orders'),
    items: table('items'),
    states: table('item-states'),
    journal: table('journal'),
    unfinished: table('unfinished-items'),
    events: table('event-status'),
    facts: table('event-facts'),
    index: table('event-index'),
    notifications: table('notifications'),
    audit: table('audit'),
    locks: table('locks'),
    idempotency: table('idempotency'),
    sessions: table('sessions'),
    sessionTokens: table('sessions-by-token'),
    config: table('config'),
  };
  const auditId = monotonicFactory();
  let seq = (t.config.get(['meta', 'notification-seq']) as number | undefined) ?? 0;
  // Readers see a commit before it is flushed; the log is read only up to what is on disk, so an
  // entry an OS crash could still lose (and whose number would then be reused) is never shown.
  // What the last process committed may not be on disk yet either (it may have been killed before
  // its fdatasync): one write now, and its flush (fdatasync covers the whole file) vouches for it.
  let flushedSeq = 0;
  const seqAtOpen = seq;
  void t.config.put(['meta', 'opened-at'], Date.now());
  void t.root.flushed.then(() => {
    if (seqAtOpen > flushedSeq) flushedSeq = seqAtOpen;
  });
  const journal = new Journal(t);

  if (!t.config.get(['meta', 'seeded'])) {
    t.root.transactionSync(() => {
      for (const offer of SEED_OFFERS) t.config.putSync(['offer', offer.offerId], offer);
      t.config.putSync(['meta', 'seeded'], true);
    });
  }

  migrateEventRows(t);
  // Built after the seed, which writes the table directly.
  const config = createConfigCache(t.config);

  const withData = (eventId: string): EventRecord | undefined => {
    const found = readEvent(t, eventId);
    return found && { ...found.row, data: found.data ?? null };
  };

  /** Issues every write of a batch now, so they land in the transaction of this event turn. */
  function write(batch: Batch): Promise<boolean> {
    let last: Promise<boolean> = Promise.resolve(true);
    for (const order of batch.orders ?? []) {
      last = t.orders.put(order.orderId, order);
      if (order.status === 'pending') last = t.pending.put(order.orderId, true);
    }
    for (const orderId of batch.settledOrders ?? []) last = t.pending.remove(orderId);
    for (const item of batch.items ?? []) last = t.items.put(item.itemId, item);
    for (const state of batch.states ?? []) {
      let position = journal.lastPosition(state.shard);
      if (state.event !== undefined) {
        const appended = journal.append(state.shard, state.itemId, state.event);
        position = appended.position;
        last = appended.written;
      }
      if (state.snapshot !== undefined) last = t.states.put(state.itemId, { shard: state.shard, seq: position, snapshot: state.snapshot });
      if (state.unfinished === true) last = t.unfinished.put([state.shard, state.itemId], true);
      else if (state.unfinished === false) last = t.unfinished.remove([state.shard, state.itemId]);
    }
    for (const { event, previousStatus, data } of batch.events ?? []) {
      last = t.events.put(event.eventId, statusRecordOf(event));
      if (data !== undefined || previousStatus === null) last = t.facts.put(event.eventId, factsOf(event, data ?? null));
      if (previousStatus !== event.status) {
        if (previousStatus !== null) t.index.remove(['s', event.typeCode, previousStatus, event.eventId]);
        last = t.index.put(['s', event.typeCode, event.status, event.eventId], null);
      }
      if (previousStatus === null && event.parentEventId) last = t.index.put(['c', event.parentEventId, event.eventId], null);
    }
    for (const { accountNumber, startEventId } of batch.accountNumbers ?? []) last = t.index.put(['a', accountNumber], startEventId);
    if (batch.notifications?.length) {
      for (const entry of batch.notifications) {
        seq += 1;
        last = t.notifications.put([entry.customerKey, seq], { ...entry, seq });
      }
      last = t.config.put(['meta', 'notification-seq'], seq);
    }
    for (const entry of batch.audit ?? []) last = t.audit.put([entry.eventId, auditId()], entry);
    for (const name of batch.releasedLocks ?? []) last = t.locks.remove(name);
    for (const { appId, key, record } of batch.idempotency ?? []) {
      last = record ? t.idempotency.put([appId, key], record) : t.idempotency.remove([appId, key]);
    }
    return last;
  }

  const store: EngineStore = {
    commit(batch) {
      const written = write(batch);
      // `flushed`, read now after the puts, waits for this turn's transaction (or a later one).
      const flushed = t.root.flushed;
      const upTo = seq;
      return Promise.all([written, flushed]).then(() => {
        if (upTo > flushedSeq) flushedSeq = upTo;
      });
    },

    getOrder: (orderId) => t.orders.get(orderId),
    listPendingOrders() {
      const found: OrderRecord[] = [];
      for (const { key } of t.pending.getRange()) {
        const order = t.orders.get(key);
        if (order) found.push(order);
      }
      return found;
    },
    getItem: (itemId) => t.items.get(itemId),
    getItemState(itemId) {
      const state = t.states.get(itemId);
      return state && { itemId, shard: state.shard, snapshot: state.snapshot, events: [] };
    },
    listUnfinishedItems: () => journal.unfinishedItems(),
    pruneJournal: (limit) => journal.prune(limit),

    getEvent: (eventId) => withData(eventId),
    listChildEvents(startEventId) {
      const found: EventRecord[] = [];
      for (const { key } of t.index.getRange({ start: ['c', startEventId], end: ['c', startEventId, '\uffff'] })) {
        const event = withData((key as string[])[2]);
        if (event) found.push(event);
      }
      return found;
    },
    listEvents: (query) => listEvents(t, query),
    listAudit(startEventId) {
      return [...t.audit.getRange({ start: [startEventId], end: [startEventId, '\uffff'] })].map(({ value }) => value);
    },

    listNotifications(customerKey, afterSeq, limit = 1_000) {
      const range = t.notifications.getRange({ start: [customerKey, afterSeq + 1], end: [customerKey, flushedSeq + 1], limit });
      return [...range].map(({ value }) => value);
    },
    lastNotificationSeq: () => seq,

    async acquireLock(name, holder) {
      const current = t.locks.get(name);
      if (current !== undefined) return current === holder;
      // A conditional write settled in lmdb's write thread: no wait for this JS thread mid-commit.
      const taken = t.locks.ifNoExists(name, () => {
        t.locks.put(name, holder);
      });
      // The lock is on disk before its holder calls anyone (SPEC §4: persisted before acting).
      const flushed = t.root.flushed;
      if (!(await taken)) return false;
      await flushed;
      return true;
    },

    async createOrder({ appId, key, record }, batch) {
      const existing = t.idempotency.get([appId, key]);
      if (existing) return existing;
      // Every write of the order is conditional on the key being free, in one transaction. The
      // batch holds no journal events or notifications, whose positions are counted here.
      const claimed = t.idempotency.ifNoExists([appId, key], () => {
        t.idempotency.put([appId, key], record);
        write(batch);
      });
      const flushed = t.root.flushed;
      if (!(await claimed)) return t.idempotency.get([appId, key]) ?? { ...record, orderId: '' };
      await flushed;
      return null;
    },
    getIdempotencyRecord: (appId, key) => t.idempotency.get([appId, key]),

    getOffer: (offerId) => config.get<Offer>(['offer', offerId]),
    listOffers() {
      return [...t.config.getRange({ start: ['offer'], end: ['offer', '\uffff'] })].map(({ value }) => value as Offer);
    },
    async putOffer(offer) {
      const isNew = config.get(['offer', offer.offerId]) === undefined;
      await config.put(['offer', offer.offerId], offer);
      await t.root.flushed;
      return isNew;
    },

    getApp: (appId) => config.get<ConsumerApp>(['app', appId]),
    async putApp(app, keyHash) {
      if (keyHash !== undefined) config.put(['app-key', keyHash], app.id);
      await config.put(['app', app.id], app);
      await t.root.flushed;
    },
    findAppByKeyHash: (keyHash) => config.get<string>(['app-key', keyHash]),

    async putSession(session) {
      t.sessionTokens.put(session.tokenHash, session.sessionId);
      await t.sessions.put(session.sessionId, session);
      await t.root.flushed;
    },
    getSession: (sessionId) => t.sessions.get(sessionId),
    findSessionByTokenHash(tokenHash) {
      const sessionId = t.sessionTokens.get(tokenHash);
      return sessionId === undefined ? undefined : t.sessions.get(sessionId);
    },
    async deleteSession(sessionId) {
      const session = t.sessions.get(sessionId);
      if (!session) return;
      t.sessionTokens.remove(session.tokenHash);
      await t.sessions.remove(sessionId);
      await t.root.flushed;
    },

    async putOperator(operator) {
      const previous = config.get<Operator>(['operator', operator.name]);
      if (previous) config.remove(['operator-token', previous.tokenHash]);
      config.put(['operator-token', operator.tokenHash], operator.name);
      await config.put(['operator', operator.name], operator);
      await t.root.flushed;
    },
    getOperator: (name) => config.get<Operator>(['operator', name]),
    findOperatorByTokenHash(tokenHash) {
      const name = config.get<string>(['operator-token', tokenHash]);
      return name === undefined ? undefined : config.get<Operator>(['operator', name]);
    },

    getEventTypeToggles: (code) => config.get<EventTypeToggles>(['event-type', code]) ?? ALL_ON,
    async setEventTypeToggles(code, toggles) {
      await config.put(['event-type', code], toggles);
      await t.root.flushed;
    },

    close: () => t.root.close(),
  };
  return store;
}
