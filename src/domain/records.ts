// The records the engine keeps (SPEC §2, §6, §7): orders, items, events, offers, settings.
import type { Address, GatewayName } from './connectors.ts';
import type { ErrorCategory } from './errors.ts';
import type { EventStatus, ItemStatus, OrderStatus } from './statuses.ts';
import type { ITEM_KINDS } from './purchase.ts';

/** The kind of an order item. */
export type ItemKind = (typeof ITEM_KINDS)[number];

/** The offer setup: what an item subscribes to, at what price. */
export interface Offer {
  offerId: string;
  name: string;
  rateCode: string;
  /** Price in cents; 0 makes a start complimentary. */
  price: number;
}

/** The offers of a fresh data directory (SPEC §7). */
export const SEED_OFFERS: readonly Offer[] = Object.freeze([
  { offerId: 'daily-digital', name: 'Daily Digital', rateCode: 'DIGITAL-MONTHLY', price: 999 },
  { offerId: 'print-7day', name: 'Print 7-Day', rateCode: 'PRINT-7DAY', price: 2499 },
  { offerId: 'weekend', name: 'Weekend', rateCode: 'WEEKEND-2DAY', price: 1299 },
]);

/** How the occupant lookup matches (SPEC §3). */
export type LookupStrategy = 'email-only' | 'standard';

/** A consumer app's settings. */
export interface ConsumerApp {
  id: string;
  name: string;
  /** Run every step before answering (default false). */
  processSync: boolean;
  /** Occupant lookup strategy (default `email-only`). */
  lookupStrategy: LookupStrategy;
}

/** The data of a new start: what STARTSTD carries and a CSR may edit. */
export interface StartData {
  subscriber: { firstName: string; lastName: string; email: string };
  deliveryAddress: Address;
  billingAddress: Address;
}

/** One purchase. */
export interface OrderRecord {
  orderId: string;
  appId: string;
  customerId: string;
  sessionId?: string;
  /** The client's Idempotency-Key, scoped to the app. */
  idempotencyKey: string;
  status: OrderStatus;
  processSync: boolean;
  itemIds: string[];
  createdAt: string;
}

/**
 * One order item: a new start. Its data is written with the order, takes ADDRSTD's standardized
 * addresses when the order commits, and is changed after that only by a CSR update.
 */
export interface ItemRecord {
  itemId: string;
  orderId: string;
  appId: string;
  customerId: string;
  /** The shard the item's transitions are journalled in (by order), for more hosts later. */
  shard: number;
  name: string;
  kind: ItemKind;
  offerId: string;
  /** Price of the offer when purchased, in cents: what AUTHCC authorizes. */
  price: number;
  complimentary: boolean;
  gateway?: GatewayName;
  paymentToken?: string;
  lookupStrategy: LookupStrategy;
  data: StartData;
  /** The addresses as the purchase gave them, kept once ADDRSTD's replace them in `data`. */
  enteredAddresses?: Pick<StartData, 'deliveryAddress' | 'billingAddress'>;
  createdAt: string;
}

/** One execution of one step for one item: the unit the Event Viewer shows. */
export interface EventRecord {
  eventId: string;
  typeCode: number;
  typeName: string;
  status: EventStatus;
  itemId: string;
  orderId: string;
  appId: string;
  parentEventId: string | null;
  reprocessOf: string | null;
  createdAt: string;
  updatedAt: string;
  attempts: number;
  errorMessage: string | null;
  errorCategory: ErrorCategory | null;
  /** The event-log data the step used. */
  data: unknown;
  /** Temporary until the permanent one replaces it. */
  accountNumber: string | null;
}

/** An item's view for the order, the shopper and the notification feed. */
export interface ItemView {
  itemId: string;
  orderId: string;
  customerId: string;
  appId: string;
  name: string;
  kind: ItemKind;
  status: ItemStatus;
  currentStep: string | null;
  startEventId: string | null;
  temporaryAccountNumber: string | null;
  accountNumber: string | null;
  errorMessage: string | null;
}

/** The two toggles of one event type (SPEC §6). */
export interface EventTypeToggles {
  viewInEventViewer: boolean;
  allowResubmit: boolean;
}

/** An operator's role: `admin` includes everything a `csr` may do. */
export type OperatorRole = 'csr' | 'admin';

/** A person who uses the Event Viewer or the admin API; only a hash of the token is kept. */
export interface Operator {
  name: string;
  role: OperatorRole;
  /** SHA-256 of the bearer token, base64url. */
  tokenHash: string;
  createdAt: string;
}

/** A shopper's storefront session, opened by a consumer app; only a hash of the token is kept. */
export interface SessionRecord {
  sessionId: string;
  appId: string;
  customerId: string;
  /** SHA-256 of the session token, base64url. */
  tokenHash: string;
  /** The notification log's position when the session opened: its center starts empty (SPEC §5). */
  fromSeq: number;
  createdAt: string;
}

/** One CSR action, kept for ever. */
export interface AuditEntry {
  at: string;
  operator: string;
  action: 'update' | 'reprocess' | 'close';
  eventId: string;
  changes: Array<{ field: string; from: unknown; to: unknown }>;
}

/** One change of an item's provisioning status, in a customer's notification log. */
export interface NotificationRecord {
  /** Position in the store's log; SSE message ids come from it. */
  seq: number;
  customerKey: string;
  itemId: string;
  name: string;
  kind: ItemKind;
  status: ItemStatus;
  errorMessage: string | null;
  at: string;
}
