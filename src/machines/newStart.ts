// The new-start chart (SPEC §3): one actor per order item. Each call state names in `meta` the
// step or action the engine calls; the chart itself holds only `assign` actions, so it stays a
// pure function of snapshot and event (DESIGN.md). Time, randomness and new event ids arrive in
// the events the engine sends, never from inside the chart.
import { assign, setup } from 'xstate';
import { BACKGROUND_RETRY, EventStatus, isStepName, retryDelay, runsBeforeStart, STARTSTD_CODE, stepByName, type RetryPolicy, type StepName } from '../domain/index.ts';
import type {
  ActionCall,
  CallError,
  CallMeta,
  CallProgress,
  Execution,
  NewStartContext,
  NewStartEvent,
  NewStartInput,
  NewStartOptions,
} from './newStartTypes.ts';

export type * from './newStartTypes.ts';

/** Compensation and mail must happen: they retry transient errors for as long as it takes. */
const FOREVER: RetryPolicy = { ...BACKGROUND_RETRY, budgetMs: Infinity };

function execution(eventId: string, step: StepName, at: number, reprocessOf: string | null = null): Execution {
  return { eventId, step, status: EventStatus.processing, attempts: 1, createdAt: at, updatedAt: at, reprocessOf, error: null };
}

const freshCall = (): CallProgress => ({ attempts: 1, firstFailureAt: null, nextAttemptAt: null });

function giveUpError(call: string, error: CallError, context: NewStartContext, at: number): CallError {
  if (!error.transient) return error;
  const seconds = Math.round((at - (context.call.firstFailureAt ?? at)) / 1000);
  return {
    message: `${call} kept failing transiently (${context.call.attempts} calls over ${seconds} s); last error: ${error.message}`,
    category: 'third-party',
    transient: true,
    reason: error.reason,
  };
}

/**
 * True when ADDSUBSCRIPTION may have made a subscription the engine never heard of: it gave up on
 * transient errors (a reply lost to a crash or a timeout looks like one). A permanent refusal
 * made nothing (SPEC §7), and a success told the account number.
 */
function subscriptionMayExist(context: NewStartContext): boolean {
  const { current } = context;
  return context.refs.accountNumber === undefined && current?.step === 'ADDSUBSCRIPTION' && current.error?.transient === true;
}

/** True once a compensation call was refused for good (a permanent error, or retries spent). */
function refusedForGood(context: NewStartContext, action: ActionCall): boolean {
  return context.actionErrors.some((error) => error.action === action);
}

/** Builds the new-start chart with the given retry policies. */
export function createNewStartMachine(options: NewStartOptions = {}) {
  const policyOf = (call: string): RetryPolicy =>
    options.retry?.[call as StepName | ActionCall] ?? (isStepName(call) ? stepByName(call).retry : FOREVER);

  /** When a failed call is tried again: after its backoff, and never past the in-request deadline. */
  const retryAt = (call: string, context: NewStartContext, at: number, jitter: number): number => {
    const next = at + retryDelay(policyOf(call), context.call.attempts, jitter);
    return runsBeforeStart(call) ? Math.min(next, context.syncDeadlineAt) : next;
  };

  const machine = setup({
    types: {} as { context: NewStartContext; events: NewStartEvent; input: NewStartInput | undefined },
    guards: {
      canRetry: ({ context, event }, params: { call: string }) => {
        if (event.type !== 'step.failed' || !event.error.transient) return false;
        // The synchronous part spends its whole in-request budget: a last wait that would pass the
        // deadline is cut short to end at it (see retryAt).
        if (runsBeforeStart(params.call)) return event.at < context.syncDeadlineAt;
        return event.at - (context.call.firstFailureAt ?? event.at) < policyOf(params.call).budgetMs;
      },
      occupantFound: ({ event }) => event.type === 'step.done' && event.output.occupantId !== undefined,
      complimentary: ({ context }) => context.complimentary,
      // A compensation the third party refused for good is not asked again: the item closes anyway.
      // What was done is undone even when the engine never heard of it (a reply lost to a crash):
      // the stop finds the subscription by ADDSUBSCRIPTION's key, the void the authorization by AUTHCC's.
      mustStopSubscription: ({ context }) =>
        (context.refs.accountNumber !== undefined || subscriptionMayExist(context)) &&
        !context.refs.subscriptionStopped &&
        !refusedForGood(context, 'stop-subscription'),
      mustRefund: ({ context }) =>
        (context.refs.captureId !== undefined || context.refs.captureFound === true) && !context.refs.refunded && !refusedForGood(context, 'refund'),
      mustVoid: ({ context }) =>
        context.refs.authorizationAttempted === true &&
        context.refs.captureId === undefined &&
        !context.refs.captureFound &&
        !context.refs.voided &&
        !refusedForGood(context, 'void'),
      voidFoundCapture: ({ event }) => event.type === 'step.failed' && event.error.reason === 'already-captured',
    },
    actions: {
      beginExecution: assign(({ context, event }, params: { step: StepName }) => {
        if (event.type !== 'step.done' && event.type !== 'order.commit') return {};
        return {
          current: execution(event.nextEventId, params.step, event.at),
          call: freshCall(),
          refs: params.step === 'AUTHCC' ? { ...context.refs, authorizationAttempted: true } : context.refs,
        };
      }),
      beginAction: assign({ call: freshCall }),
      recordSuccess: assign(({ context, event }) => {
        if (event.type !== 'step.done' || !context.current) return {};
        const done: Execution = { ...context.current, status: EventStatus.success, updatedAt: event.at, error: null };
        const sync = runsBeforeStart(done.step);
        return {
          previous: sync ? context.previous : done,
          current: done,
          syncEvents: sync ? [...context.syncEvents, done] : context.syncEvents,
          refs: done.step === 'CREATESUBSCRIBER' ? { ...context.refs, ...event.output, occupantCreated: true } : { ...context.refs, ...event.output },
        };
      }),
      // A stop by ADDSUBSCRIPTION's key answers the account number it found, if it found one.
      markActionDone: assign(({ context, event }, params: { flag: 'mailed' | 'voided' | 'refunded' | 'subscriptionStopped' }) => ({
        refs: {
          ...context.refs,
          ...(event.type === 'step.done' && event.output.accountNumber && !context.refs.accountNumber ? { accountNumber: event.output.accountNumber } : {}),
          [params.flag]: true,
        },
      })),
      noteCaptureFound: assign(({ context }) => ({ refs: { ...context.refs, captureFound: true } })),
      scheduleRetry: assign(({ context, event }, params: { call: string }) => {
        if (event.type !== 'step.failed') return {};
        const nextAttemptAt = retryAt(params.call, context, event.at, event.jitter);
        const call = { ...context.call, firstFailureAt: context.call.firstFailureAt ?? event.at, nextAttemptAt };
        const isStep = context.current?.step === params.call && context.current.status === EventStatus.processing;
        return {
          call,
          current: isStep && context.current ? { ...context.current, updatedAt: event.at, error: event.error } : context.current,
        };
      }),
      countAttempt: assign(({ context, event }) => {
        const attempts = context.call.attempts + 1;
        const current =
          context.current && context.current.status === EventStatus.processing
            ? { ...context.current, attempts, updatedAt: event.at }
            : context.current;
        return { call: { ...context.call, attempts, nextAttemptAt: null }, current };
      }),
      recordFailure: assign(({ context, event }, params: { call: string }) => {
        if (event.type !== 'step.failed' || !context.current) return {};
        const error = giveUpError(params.call, event.error, context, event.at);
        const failed: Execution = { ...context.current, status: EventStatus.failed, updatedAt: event.at, error };
        const start = context.start && { ...context.start, status: EventStatus.failed, updatedAt: event.at, error };
        return { current: failed, start, call: { ...context.call, nextAttemptAt: null } };
      }),
      recordRejection: assign(({ context, event }, params: { call: StepName }) => {
        if (event.type !== 'step.failed') return {};
        const error = giveUpError(params.call, event.error, context, event.at);
        const current = context.current && { ...context.current, status: EventStatus.failed, updatedAt: event.at, error };
        return { current, rejection: { ...error, step: params.call }, call: { ...context.call, nextAttemptAt: null } };
      }),
      noteActionFailure: assign(({ context, event }, params: { call: ActionCall }) => {
        if (event.type !== 'step.failed') return {};
        const error = giveUpError(params.call, event.error, context, event.at);
        return { actionErrors: [...context.actionErrors, { ...error, action: params.call }], call: { ...context.call, nextAttemptAt: null } };
      }),
      recordStart: assign(({ context, event }) => {
        if (event.type !== 'order.commit') return {};
        const start: Execution = { ...execution(event.startEventId, 'STARTSTD', event.at), status: EventStatus.success };
        // ADDRSTD's addresses are the item's data from the commit on (orders.ts): no need to carry them.
        const { standardized: _inItemData, ...refs } = context.refs;
        return { start, refs: { ...refs, temporaryAccountNumber: event.temporaryAccountNumber } };
      }),
      beginReprocess: assign(({ context, event }) => {
        if (event.type !== 'csr.reprocess' || !context.current || !context.start) return {};
        const replaced: Execution = { ...context.current, status: EventStatus.reprocessed, updatedAt: event.at };
        return {
          previous: replaced,
          current: execution(event.eventId, replaced.step, event.at, replaced.eventId),
          start: { ...context.start, status: EventStatus.success, updatedAt: event.at, error: null },
          call: freshCall(),
        };
      }),
      recordClose: assign(({ context, event }) => {
        if (!context.current || !context.start) return {};
        return {
          current: { ...context.current, status: EventStatus.closed, updatedAt: event.at },
          start: { ...context.start, status: EventStatus.closed, updatedAt: event.at },
        };
      }),
    },
  });

  type Transition = { target: string; guard?: 'occupantFound' | 'complimentary'; actions?: 'recordSuccess' };

  /** A state that calls one step: calling, waiting to retry, and (background steps) failed. */
  const stepState = (step: StepName, done: Transition[]) => {
    const definition = stepByName(step);
    const sync = definition.sync;
    const meta: CallMeta = { call: step, step: { code: definition.code, name: step, sync } };
    const onDone = done.map((t) => ({ ...t, actions: 'recordSuccess' as const }));
    return {
      meta,
      initial: 'calling' as const,
      entry: { type: 'beginExecution' as const, params: { step } },
      states: {
        calling: {
          on: {
            'step.done': onDone,
            'step.failed': [
              { guard: { type: 'canRetry' as const, params: { call: step } }, target: 'waitingToRetry', actions: { type: 'scheduleRetry' as const, params: { call: step } } },
              sync
                ? { target: '#newStart.sync.rejected', actions: { type: 'recordRejection' as const, params: { call: step } } }
                : { target: 'failed', actions: { type: 'recordFailure' as const, params: { call: step } } },
            ],
            'step.resume': { actions: 'countAttempt' as const },
          },
        },
        waitingToRetry: { on: { 'step.retry': { target: 'calling', actions: 'countAttempt' as const } } },
        ...(sync
          ? {}
          : {
              failed: {
                on: {
                  'csr.reprocess': { target: 'calling', actions: 'beginReprocess' as const },
                  'csr.close': { target: '#newStart.closing', actions: 'recordClose' as const },
                },
              },
            }),
      },
    };
  };

  /** A call state of an action: on to `target` once done, or once refused for good unless `refusedTarget` says where. */
  const actionState = (call: ActionCall, flag: 'mailed' | 'voided' | 'refunded' | 'subscriptionStopped', target: string, refusedTarget = target) => ({
    meta: { call } satisfies CallMeta,
    initial: 'calling' as const,
    entry: 'beginAction' as const,
    states: {
      calling: {
        on: {
          'step.done': { target, actions: { type: 'markActionDone' as const, params: { flag } } },
          'step.failed': [
            // A void of an authorization captured unheard: on to a refund instead.
            ...(call === 'void' ? [{ guard: 'voidFoundCapture' as const, target, actions: 'noteCaptureFound' as const }] : []),
            { guard: { type: 'canRetry' as const, params: { call } }, target: 'waitingToRetry', actions: { type: 'scheduleRetry' as const, params: { call } } },
            { target: refusedTarget, actions: { type: 'noteActionFailure' as const, params: { call } } },
          ],
          'step.resume': { actions: 'countAttempt' as const },
        },
      },
      waitingToRetry: { on: { 'step.retry': { target: 'calling', actions: 'countAttempt' as const } } },
    },
  });

  /**
   * Undoes what was done, last done first: the payment (refund or void, from the gateway), then the
   * subscription (from the circulation system). A circulation outage then delays only the stop.
   */
  const compensation = (key: 'closing' | 'aborting', finalTarget: string) => ({
    initial: 'routing' as const,
    states: {
      routing: {
        always: [
          { guard: 'mustRefund' as const, target: 'refunding' },
          { guard: 'mustVoid' as const, target: 'voiding' },
          { guard: 'mustStopSubscription' as const, target: 'stoppingSubscription' },
          { target: 'compensated' },
        ],
      },
      stoppingSubscription: actionState('stop-subscription', 'subscriptionStopped', `#newStart.${key}.routing`),
      refunding: actionState('refund', 'refunded', `#newStart.${key}.routing`),
      voiding: actionState('void', 'voided', `#newStart.${key}.routing`),
      compensated: { type: 'final' as const },
    },
    onDone: finalTarget,
  });

  return machine.createMachine({
    id: 'newStart',
    context: ({ input }) => ({
      itemId: input?.itemId ?? '',
      complimentary: input?.complimentary ?? false,
      syncDeadlineAt: input?.syncDeadlineAt ?? 0,
      start: null,
      current: input ? execution(input.firstEventId, 'ADDRSTD', input.at) : null,
      previous: null,
      syncEvents: [],
      call: freshCall(),
      refs: {},
      rejection: null,
      actionErrors: [],
    }),
    initial: 'sync',
    states: {
      sync: {
        description: 'The synchronous part: runs inside the purchase request, all-or-nothing per order.',
        initial: 'ADDRSTD',
        on: { 'order.abort': '#newStart.aborting' },
        states: {
          ADDRSTD: stepState('ADDRSTD', [
            { guard: 'complimentary', target: '#newStart.sync.STARTSTD' },
            { target: '#newStart.sync.AUTHCC' },
          ]),
          AUTHCC: stepState('AUTHCC', [{ target: '#newStart.sync.STARTSTD' }]),
          STARTSTD: {
            description: "Waits for every item of the order; the order's commit records STARTSTD.",
            meta: { call: 'STARTSTD', step: { code: STARTSTD_CODE, name: 'STARTSTD', sync: true } } satisfies CallMeta,
            on: { 'order.commit': { target: '#newStart.FINDADDRESSOCCUPANT', actions: 'recordStart' } },
          },
          rejected: { description: 'The synchronous part gave up; the order is aborted.' },
        },
      },
      FINDADDRESSOCCUPANT: stepState('FINDADDRESSOCCUPANT', [
        { guard: 'occupantFound', target: '#newStart.ADDADDRESSOCCUPANT' },
        { target: '#newStart.CREATESUBSCRIBER' },
      ]),
      CREATESUBSCRIBER: stepState('CREATESUBSCRIBER', [{ target: '#newStart.ADDADDRESSOCCUPANT' }]),
      ADDADDRESSOCCUPANT: stepState('ADDADDRESSOCCUPANT', [{ target: '#newStart.ADDSUBSCRIPTION' }]),
      ADDSUBSCRIPTION: stepState('ADDSUBSCRIPTION', [
        { guard: 'complimentary', target: '#newStart.LINKOWNER' },
        { target: '#newStart.CCFUNDCAPTURE' },
      ]),
      CCFUNDCAPTURE: stepState('CCFUNDCAPTURE', [{ target: '#newStart.PAYMENTNEWSTART' }]),
      PAYMENTNEWSTART: stepState('PAYMENTNEWSTART', [{ target: '#newStart.UPDATEPAYMENTTRAN' }]),
      UPDATEPAYMENTTRAN: stepState('UPDATEPAYMENTTRAN', [{ target: '#newStart.LINKOWNER' }]),
      LINKOWNER: stepState('LINKOWNER', [{ target: '#newStart.CHGEMAILPREF' }]),
      CHGEMAILPREF: stepState('CHGEMAILPREF', [{ target: '#newStart.confirming' }]),
      confirming: {
        description: 'Sends the confirmation mail carrying the permanent account number, once.',
        ...actionState('mail', 'mailed', '#newStart.complete'),
      },
      complete: {
        description: 'Provisioned. Not final: a shopper may still cancel the subscription.',
        on: { 'shopper.cancel': '#newStart.cancelling' },
      },
      // A stop the circulation system refuses for good leaves the subscription running: back to complete.
      cancelling: actionState('stop-subscription', 'subscriptionStopped', '#newStart.cancelled', '#newStart.complete'),
      cancelled: { type: 'final' },
      closing: { description: 'A CSR closed the failed start: undo what was done.', ...compensation('closing', '#newStart.closed') },
      closed: { type: 'final' },
      aborting: { description: "The order's synchronous part failed: void what was authorized.", ...compensation('aborting', '#newStart.aborted') },
      aborted: { type: 'final' },
    },
  });
}

/** The new-start chart with the default retry policies. */
export const newStartMachine = createNewStartMachine();

/** The chart's type, for the engine. */
export type NewStartMachine = ReturnType<typeof createNewStartMachine>;
