// How an item looks to the order, the shopper and the CSR, derived from its record and snapshot.
import type { ItemRecord, ItemView } from '../domain/index.ts';
import { activeCall, indexCallStates, itemStatusOf, newStartMachine, type NewStartContext } from '../machines/index.ts';
import { itemErrorMessage } from './project.ts';

const callStates = indexCallStates(newStartMachine);

/** The snapshot fields a view reads. */
interface ViewSnapshot {
  value: Parameters<typeof itemStatusOf>[0];
  context: NewStartContext;
}

/** The item's view at a snapshot; `status` is `aborted` for an order whose synchronous part failed. */
export function itemView(item: ItemRecord, snapshot: ViewSnapshot): ItemView & { status: ItemView['status'] | 'aborted' } {
  const status = itemStatusOf(snapshot.value);
  const call = activeCall(callStates, snapshot.value);
  const { context } = snapshot;
  return {
    itemId: item.itemId,
    orderId: item.orderId,
    customerId: item.customerId,
    appId: item.appId,
    name: item.name,
    kind: item.kind,
    status: status as ItemView['status'],
    currentStep: call?.meta.step ? call.meta.step.name : null,
    startEventId: context.start?.eventId ?? null,
    temporaryAccountNumber: context.refs.temporaryAccountNumber ?? null,
    accountNumber: context.refs.accountNumber ?? null,
    errorMessage: itemErrorMessage(status, context),
  };
}

/** Steps done and the steps this item runs in all (skipped ones not counted). */
export function progressOf(item: ItemRecord, context: NewStartContext): { done: number; total: number } {
  const skipped = (item.complimentary ? 4 : 0) + (context.refs.occupantId && !context.refs.occupantCreated ? 1 : 0);
  const total = 12 - skipped;
  const order = ['ADDRSTD', 'AUTHCC', 'STARTSTD', 'FINDADDRESSOCCUPANT', 'CREATESUBSCRIBER', 'ADDADDRESSOCCUPANT', 'ADDSUBSCRIPTION', 'CCFUNDCAPTURE', 'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN', 'LINKOWNER', 'CHGEMAILPREF'];
  if (context.refs.mailed) return { done: total, total };
  const current = context.current?.step;
  const at = current ? order.indexOf(current) : 0;
  const before = order.slice(0, at).filter((step) => !(item.complimentary && ['AUTHCC', 'CCFUNDCAPTURE', 'PAYMENTNEWSTART', 'UPDATEPAYMENTTRAN'].includes(step)) && !(step === 'CREATESUBSCRIBER' && !context.refs.occupantCreated));
  const doneNow = context.current?.status === 2 ? 1 : 0;
  return { done: Math.min(total, before.length + doneNow), total };
}
