// How an item looks to the order, the shopper and the CSR, derived from its record and snapshot.
import { EventStatus, STEPS, type ItemRecord, type ItemView } from '../domain/index.ts';
import { activeCall, indexCallStates, itemStatusOf, newStartMachine, type NewStartContext } from '../machines/index.ts';
import { itemErrorMessage } from './project.ts';

// The chart's states do not depend on its retry policies (createNewStartMachine's only options),
// so the default chart's index serves every engine's snapshots.
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

/** Steps done and the steps this item runs in all (steps it skips are not counted). */
export function progressOf(item: ItemRecord, context: NewStartContext): { done: number; total: number } {
  const { refs } = context;
  const foundOccupant = refs.occupantId !== undefined && !refs.occupantCreated;
  const runs = STEPS.filter((step) => !(item.complimentary && step.payment) && !(step.name === 'CREATESUBSCRIBER' && foundOccupant));
  if (refs.mailed) return { done: runs.length, total: runs.length };
  const current = context.current;
  const at = current ? runs.findIndex((step) => step.name === current.step) : 0;
  const done = Math.max(0, at) + (current?.status === EventStatus.success ? 1 : 0);
  return { done: Math.min(done, runs.length), total: runs.length };
}
