// Event statuses (SPEC §2.2; the numeric codes are part of the contract) and item statuses.

/** Numeric status of one event. */
export const EventStatus = Object.freeze({
  processing: 1,
  success: 2,
  failed: 3,
  closed: 9,
  reprocessed: 11,
} as const);

/** One of the event status codes 1, 2, 3, 9, 11. */
export type EventStatus = (typeof EventStatus)[keyof typeof EventStatus];

/** Every event status code, for validation. */
export const EVENT_STATUSES: readonly EventStatus[] = Object.freeze(Object.values(EventStatus));

/** Where an order item stands, as the order, the shopper and the CSR see it. */
export type ItemStatus = 'in_progress' | 'complete' | 'failed' | 'closed' | 'cancelled';

/** Where an order stands: its synchronous part running, done, or given up. */
export type OrderStatus = 'pending' | 'started' | 'aborted';
