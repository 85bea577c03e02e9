// The types of the new-start chart: its context (plain JSON), input, events and state meta.
import type { Address, ErrorCategory, EventStatus, RetryPolicy, StepName } from '../domain/index.ts';

/** Why a call failed, as the chart records it. */
export interface CallError {
  message: string;
  category: ErrorCategory;
  /** True for a third party's "try later". */
  transient: boolean;
  /** A stable reason such as `card-declined`, when the third party gave one. */
  reason?: string;
  /** The purchase field the error is about (e.g. `subscriber.lastName`), when known. */
  field?: string;
}

/** One execution of one step: the chart's view of an event row. Times are ms since the epoch. */
export interface Execution {
  eventId: string;
  step: StepName;
  status: EventStatus;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  reprocessOf: string | null;
  error: CallError | null;
}

/** The retry bookkeeping of the call in progress (kept in context: `after` is not restored). */
export interface CallProgress {
  /** Calls made so far in this execution (1 once the first call is on its way). */
  attempts: number;
  firstFailureAt: number | null;
  /** When the engine's timer should send `step.retry`, or null when no retry waits. */
  nextAttemptAt: number | null;
}

/** What the steps returned that later steps and compensation need. */
export interface Refs {
  temporaryAccountNumber?: string;
  authorizationAttempted?: boolean;
  /** A void found the authorization captured, though the capture was never heard: refund it. */
  captureFound?: boolean;
  authorizationId?: string;
  authorizedAmount?: number;
  occupantId?: string;
  occupantCreated?: boolean;
  addressId?: string;
  subscriptionId?: string;
  accountNumber?: string;
  captureId?: string;
  capturedAmount?: number;
  paymentId?: string;
  mailed?: boolean;
  voided?: boolean;
  refunded?: boolean;
  subscriptionStopped?: boolean;
  /** ADDRSTD's addresses, until the order commits and they become the item's data. */
  standardized?: { deliveryAddress: Address; billingAddress: Address };
}

/** What a step's call may return into `refs`. */
export type StepOutput = Partial<
  Pick<
    Refs,
    | 'standardized'
    | 'authorizationId'
    | 'authorizedAmount'
    | 'occupantId'
    | 'addressId'
    | 'subscriptionId'
    | 'accountNumber'
    | 'captureId'
    | 'capturedAmount'
    | 'paymentId'
  >
>;

/** The chart's context: plain JSON, no live resources. */
export interface NewStartContext {
  itemId: string;
  complimentary: boolean;
  /** When the in-request retry budget of the synchronous steps ends (ms since the epoch). */
  syncDeadlineAt: number;
  /** The STARTSTD event, once the order's synchronous part is committed. */
  start: Execution | null;
  /** The step execution in progress, failed, or last finished. */
  current: Execution | null;
  /** The execution the last transition finished (success or reprocessed), for the store. */
  previous: Execution | null;
  /** ADDRSTD and AUTHCC, recorded with STARTSTD as its children. */
  syncEvents: Execution[];
  call: CallProgress;
  refs: Refs;
  /** Why the synchronous part gave up, for the purchase answer. */
  rejection: (CallError & { step: StepName }) | null;
  /** Compensation calls refused for good; the item closes anyway and the CSR sees why. */
  actionErrors: Array<CallError & { action: string }>;
}

/** What the engine passes to start an item. */
export interface NewStartInput {
  itemId: string;
  complimentary: boolean;
  syncDeadlineAt: number;
  /** The id of the ADDRSTD event. */
  firstEventId: string;
  at: number;
}

/** The events of the chart; the engine sends every one of them. */
export type NewStartEvent =
  | { type: 'step.done'; at: number; output: StepOutput; nextEventId: string }
  | { type: 'step.failed'; at: number; error: CallError; jitter: number }
  | { type: 'step.retry'; at: number }
  /** A call on its way when the engine last stopped is made again, under its key: one call more. */
  | { type: 'step.resume'; at: number }
  | { type: 'order.commit'; at: number; startEventId: string; temporaryAccountNumber: string; nextEventId: string }
  | { type: 'order.abort'; at: number }
  | { type: 'csr.reprocess'; at: number; eventId: string }
  | { type: 'csr.close'; at: number }
  | { type: 'shopper.cancel'; at: number };

/** What a compensation or follow-up call does, besides the steps. */
export type ActionCall = 'mail' | 'void' | 'refund' | 'stop-subscription';

/** The `meta` of a call state: which step or action the engine calls there. */
export interface CallMeta {
  call: StepName | ActionCall;
  /** Set for the steps of the event table. */
  step?: { code: number; name: StepName; sync: boolean };
}

/** Options of the chart. */
export interface NewStartOptions {
  /** Retry policy per step or action; missing ones take the background default (SPEC §3). */
  retry?: Partial<Record<StepName | ActionCall, RetryPolicy>>;
}
