// The engine's store port (STYLE.md "Store"): domain verbs only, no lmdb type in a signature,
// so another adapter (a PostgreSQL-compatible store, DESIGN.md) can implement it later.
import type {
  AuditEntry,
  FieldIssue,
  RefusalCode,
  ConsumerApp,
  EventRecord,
  EventStatus,
  EventTypeToggles,
  ItemRecord,
  NotificationRecord,
  Offer,
  Operator,
  OrderRecord,
  SessionRecord,
} from '../domain/index.ts';

/**
 * One event row to write, with the status it had before (so the store can move its index). The
 * event-log `data` is written once, when the event is created (or when a CSR edits STARTSTD), and
 * kept apart from the row, which changes with every status.
 */
export interface EventWrite {
  event: Omit<EventRecord, 'data'>;
  previousStatus: EventStatus | null;
  /** The data the step used; given on creation and on a CSR's edit, absent otherwise. */
  data?: unknown;
}

/**
 * One transition of one item (DESIGN.md "lean journal"): the chart event that caused it goes to
 * the shard's append-only journal; the full snapshot is written only now and then (at rest, and
 * every few transitions), and recovery replays the journal over it.
 */
export interface ItemStateWrite {
  itemId: string;
  shard: number;
  /** The chart event of this transition, journalled; absent for a snapshot alone. */
  event?: unknown;
  /** The full stored snapshot after this transition, when it is written. */
  snapshot?: unknown;
  /** True: the item has work to resume after a crash; false: at rest; absent: unchanged. */
  unfinished?: boolean;
}

/** What a client's Idempotency-Key maps to. */
export interface IdempotencyRecord {
  /** A hash of the request body, to refuse the key with another body. */
  bodyHash: string;
  orderId: string;
  /** The first answer, once there is one: replayed as it was. */
  answer?: { status: number; body: unknown };
  /**
   * The refusal that answered the purchase for good (a declined card, an undeliverable address),
   * refused again as it was: the key is not released, so a fixed purchase needs a new key.
   */
  refusal?: { code: RefusalCode; message: string; issues: FieldIssue[]; details: Record<string, unknown> };
}

/** Everything one commit tick writes, in one transaction. */
export interface Batch {
  orders?: OrderRecord[];
  /** Orders whose synchronous part is over (started or aborted). */
  settledOrders?: string[];
  items?: ItemRecord[];
  /** In the order they happened: the journal's sequence follows it. */
  states?: ItemStateWrite[];
  events?: EventWrite[];
  /** Account numbers (temporary or permanent) that find a start. */
  accountNumbers?: Array<{ accountNumber: string; startEventId: string }>;
  notifications?: Array<Omit<NotificationRecord, 'seq'>>;
  audit?: AuditEntry[];
  /** Locks to let go of; only their holder releases them. */
  releasedLocks?: string[];
  /** Idempotency records to set (a record) or release (null). */
  idempotency?: Array<{ appId: string; key: string; record: IdempotencyRecord | null }>;
}

/** Filters of the Event Viewer list (SPEC §6). */
export interface EventQuery {
  typeCode: number;
  status: EventStatus;
  /** ISO 8601 bounds on createdAt, inclusive. */
  from?: string;
  to?: string;
  /** Temporary or permanent account number. */
  accountNumber?: string;
  /** Text within the error message, case-insensitive. */
  q?: string;
  appId?: string;
  /** At most this many (default 50). */
  limit?: number;
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string;
}

/** One page of events. */
export interface EventPage {
  items: Array<Omit<EventRecord, 'data'>>;
  nextCursor: string | null;
}

/** An item's last full snapshot and the journalled events after it, oldest first. */
export interface StoredItemState {
  itemId: string;
  shard: number;
  snapshot: unknown;
  events: unknown[];
}

/** The engine's durable store. Reads are synchronous; writes resolve once flushed to disk. */
export interface EngineStore {
  /** Writes a batch in one transaction; resolves once it is flushed, not only committed. */
  commit(batch: Batch): Promise<void>;

  getOrder(orderId: string): OrderRecord | undefined;
  /** Orders whose synchronous part had not finished: recovery aborts them. */
  listPendingOrders(): OrderRecord[];
  getItem(itemId: string): ItemRecord | undefined;
  /** An item's last full snapshot (`events` empty: journalled events are for recovery). */
  getItemState(itemId: string): StoredItemState | undefined;
  /** Items with work to resume (a call in flight or a retry waiting), with the events to replay. */
  listUnfinishedItems(): StoredItemState[];
  /**
   * Drops up to `limit` journal records no recovery can need (below every unfinished item's
   * snapshot); resolves to how many went.
   */
  pruneJournal(limit: number): Promise<number>;

  getEvent(eventId: string): EventRecord | undefined;
  /** The children of a start, oldest first. */
  listChildEvents(startEventId: string): EventRecord[];
  /** A page of events, without their `data` (the list does not show it). */
  listEvents(query: EventQuery): EventPage;
  listAudit(startEventId: string): AuditEntry[];

  /**
   * A customer's notification log after `afterSeq` (exclusive), oldest first: only entries whose
   * commit is flushed, so none an OS crash could still take back (and renumber) is ever shown.
   */
  listNotifications(customerKey: string, afterSeq: number, limit?: number): NotificationRecord[];
  /** The last sequence number given to a notification (0 when none). */
  lastNotificationSeq(): number;

  /** Takes a lock for `holder` unless another holds it; true when `holder` holds it now. */
  acquireLock(name: string, holder: string): Promise<boolean>;

  /**
   * Claims an app's Idempotency-Key and, in the same transaction, writes the order's batch: null
   * once both are flushed; the record that holds the key (and nothing written) when it is taken.
   */
  createOrder(claim: { appId: string; key: string; record: IdempotencyRecord }, batch: Batch): Promise<IdempotencyRecord | null>;
  getIdempotencyRecord(appId: string, key: string): IdempotencyRecord | undefined;

  getOffer(offerId: string): Offer | undefined;
  listOffers(): Offer[];
  /** Creates or replaces an offer; resolves to true when it was created. */
  putOffer(offer: Offer): Promise<boolean>;

  getApp(appId: string): ConsumerApp | undefined;
  /** Creates or replaces an app; with `keyHash`, that key (its hash) now opens the app. */
  putApp(app: ConsumerApp, keyHash?: string): Promise<void>;
  /** The id of the app whose key hashes to `keyHash`. */
  findAppByKeyHash(keyHash: string): string | undefined;

  /** Keeps a new storefront session. */
  putSession(session: SessionRecord): Promise<void>;
  getSession(sessionId: string): SessionRecord | undefined;
  /** The live session whose token hashes to `tokenHash`. */
  findSessionByTokenHash(tokenHash: string): SessionRecord | undefined;
  /** Ends a session: its token opens nothing from now on. */
  deleteSession(sessionId: string): Promise<void>;

  /** Creates or replaces an operator (by name). */
  putOperator(operator: Operator): Promise<void>;
  getOperator(name: string): Operator | undefined;
  /** The operator a token hash belongs to. */
  findOperatorByTokenHash(tokenHash: string): Operator | undefined;

  getEventTypeToggles(code: number): EventTypeToggles;
  setEventTypeToggles(code: number, toggles: EventTypeToggles): Promise<void>;

  close(): Promise<void>;
}
