// What one transition writes (SPEC §2, §4): the event rows whose execution changed, account
// numbers that find the start, and the item's provisioning status for the notification log.
// A pure function of the item and the two contexts, so it is tested without a store.
import type { StateValue } from 'xstate';
import { EventStatus, isoTime, runsBeforeStart, stepByName, type EventRecord, type ItemRecord, type ItemStatus, type NotificationRecord, type Offer } from '../domain/index.ts';
import { itemStatusOf, type Execution, type NewStartContext } from '../machines/index.ts';
import type { EventWrite } from '../store/index.ts';
import { callRequest } from './calls.ts';

/** The message a shopper sees for a start customer service closed before its subscription existed. */
export const CLOSED_MESSAGE = 'Customer service closed this start; no subscription was created.';

/** The message for a start closed after ADDSUBSCRIPTION: the subscription existed, and close stopped it. */
const CLOSED_AFTER_SUBSCRIPTION_MESSAGE = 'Customer service closed this start; its subscription was stopped.';

/** The message for a start closed after ADDSUBSCRIPTION whose stop the circulation system refused for good. */
const CLOSED_STOP_REFUSED_MESSAGE = 'Customer service closed this start; its subscription could not be stopped, and customer service will see to it.';

/** The message for a start whose ADDSUBSCRIPTION went unanswered and whose stop by its key was refused for good. */
const CLOSED_STOP_UNSURE_MESSAGE =
  'Customer service closed this start; a subscription may have been created and could not be stopped, and customer service will see to it.';

/**
 * What a closed item tells the shopper: whether a subscription had been made, and if so whether it
 * was stopped. A stop by ADDSUBSCRIPTION's key tells the account number of one the engine never heard of.
 */
function closedMessage(context: NewStartContext): string {
  const known = context.refs.accountNumber !== undefined;
  if (context.actionErrors.some((error) => error.action === 'stop-subscription')) return known ? CLOSED_STOP_REFUSED_MESSAGE : CLOSED_STOP_UNSURE_MESSAGE;
  return known ? CLOSED_AFTER_SUBSCRIPTION_MESSAGE : CLOSED_MESSAGE;
}

/** The rows one transition changes. */
export interface Projection {
  events: EventWrite[];
  accountNumbers: Array<{ accountNumber: string; startEventId: string }>;
}

/** The event row of one execution of one step of an item, without its data. */
export function eventRow(item: ItemRecord, context: NewStartContext, execution: Execution): Omit<EventRecord, 'data'> {
  return {
    eventId: execution.eventId,
    typeCode: stepByName(execution.step).code,
    typeName: execution.step,
    status: execution.status,
    itemId: item.itemId,
    orderId: item.orderId,
    appId: item.appId,
    parentEventId: execution.step === 'STARTSTD' ? null : (context.start?.eventId ?? null),
    reprocessOf: execution.reprocessOf,
    createdAt: isoTime(execution.createdAt),
    updatedAt: isoTime(execution.updatedAt),
    attempts: execution.attempts,
    errorMessage: execution.error?.message ?? null,
    errorCategory: execution.error?.category ?? null,
    accountNumber: context.refs.accountNumber ?? context.refs.temporaryAccountNumber ?? null,
  };
}

/** The event-log data of an execution: STARTSTD's is the start's data; a step's, its request. */
export function eventData(item: ItemRecord, context: NewStartContext, execution: Execution, offer: Offer | undefined): unknown {
  if (execution.step === 'STARTSTD') return { ...item.data, offerId: item.offerId, name: item.name, kind: item.kind, price: item.price };
  return callRequest(execution.step, { item, refs: context.refs, offer });
}

function statusBefore(prev: NewStartContext | null, eventId: string): EventStatus | null {
  if (!prev) return null;
  for (const execution of [prev.current, prev.previous, prev.start, ...prev.syncEvents]) {
    if (execution?.eventId === eventId) return execution.status;
  }
  return null;
}

/** The event rows and account numbers a transition from `prev` to `next` writes. */
export function projectTransition(item: ItemRecord, prev: NewStartContext | null, next: NewStartContext, offer: Offer | undefined): Projection {
  const projection: Projection = { events: [], accountNumbers: [] };
  const start = next.start;
  // Nothing is visible before STARTSTD: the synchronous part is all-or-nothing.
  if (!start) return projection;
  const changed = new Map<string, Execution>();
  const committedNow = !prev?.start;
  if (committedNow) {
    for (const execution of next.syncEvents) changed.set(execution.eventId, execution);
    projection.accountNumbers.push({ accountNumber: next.refs.temporaryAccountNumber!, startEventId: start.eventId });
  }
  const accountNumberChanged = next.refs.accountNumber !== prev?.refs.accountNumber;
  if (start !== prev?.start || accountNumberChanged) changed.set(start.eventId, start);
  if (accountNumberChanged && next.refs.accountNumber) {
    projection.accountNumbers.push({ accountNumber: next.refs.accountNumber, startEventId: start.eventId });
  }
  if (next.previous && next.previous !== prev?.previous) changed.set(next.previous.eventId, next.previous);
  if (next.current && next.current !== prev?.current && !runsBeforeStart(next.current.step)) {
    changed.set(next.current.eventId, next.current);
  }
  for (const execution of changed.values()) {
    const previousStatus = committedNow ? null : statusBefore(prev, execution.eventId);
    const write: EventWrite = { event: eventRow(item, next, execution), previousStatus };
    // The data is what the step used when it began: written once, never from later edits.
    if (previousStatus === null) write.data = eventData(item, next, execution, offer);
    projection.events.push(write);
  }
  return projection;
}

/** The error message a shopper and the order see for an item at a status. */
export function itemErrorMessage(status: ItemStatus | 'aborted', context: NewStartContext): string | null {
  if (status === 'failed') return context.current?.error?.message ?? null;
  if (status === 'closed') return closedMessage(context);
  return null;
}


/** The key of a customer's notification log: customers are scoped to their consumer app. */
export function customerKey(appId: string, customerId: string): string {
  return `${appId}\u0000${customerId}`;
}

function isNotified(status: ItemStatus | 'aborted'): status is ItemStatus {
  return status === 'in_progress' || status === 'complete' || status === 'failed' || status === 'closed';
}

/**
 * The notification-log entry of a transition (SPEC §5): on every change of the provisioning
 * status, and when the order's commit makes the item visible; none for cancel (not provisioning).
 */
export function projectNotification(
  item: ItemRecord,
  prev: { value: StateValue; context: NewStartContext },
  next: { value: StateValue; context: NewStartContext },
  at: number,
): Omit<NotificationRecord, 'seq'> | undefined {
  const status = itemStatusOf(next.value);
  const committed = !prev.context.start && next.context.start;
  if ((status === itemStatusOf(prev.value) && !committed) || !isNotified(status)) return undefined;
  return {
    customerKey: customerKey(item.appId, item.customerId),
    itemId: item.itemId,
    name: item.name,
    kind: item.kind,
    status,
    errorMessage: itemErrorMessage(status, next.context),
    at: isoTime(at),
  };
}
