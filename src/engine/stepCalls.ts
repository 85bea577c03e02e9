// The call path of the hot loop (SPEC §3–§4): a step goes to its third party once the transition
// before it is flushed; one call of an item is on the wire at a time; occupant steps run under
// the subscriber email's lock; a call unanswered past its deadline comes back as a transient
// failure, and the item's next call waits until the late answer settles.
import { TransientError, ensureError, runsBeforeStart, type Connectors, type StepName } from '../domain/index.ts';
import type { ActiveCall, ActionCall, NewStartEvent } from '../machines/index.ts';
import type { EngineStore } from '../store/index.ts';
import { invokeCall, toCallError } from './calls.ts';
import { CallWatch, settledOf, type WatchedCall } from './callWatch.ts';
import { beforeDeadline } from './deadline.ts';
import { OccupantLocks, occupantLockName } from './occupantLocks.ts';
import type { Live, Snapshot } from './live.ts';

/** A call the chart can ask for from a state's `meta` (STARTSTD is the order's, not a call). */
export type StepCall = Exclude<StepName, 'STARTSTD'> | ActionCall;

/** What the call path needs. */
export interface StepCallOptions {
  store: EngineStore;
  connectors: Connectors;
  clock: () => number;
  random: () => number;
  newId: (at: number) => string;
  /** A call unanswered after this long counts as a transient failure, in ms. */
  callTimeoutMs: number;
  onFatal: (error: Error) => void;
  /** Told when a call's answer is back, before the item takes it. */
  onAnswer?: (detail: { itemId: string; call: string; phase: string }) => void;
}

/** What the call path asks of the item registry. */
export interface CallHost {
  /** True once the registry stopped: nothing more is acted on. */
  readonly isStopped: boolean;
  /** True while the registry runs and `snapshot` is still the live item's current one. */
  isCurrent(live: Live, snapshot: Snapshot): boolean;
  /** Hands the item the outcome of its call. */
  deliver(live: Live, event: NewStartEvent): void;
  /** Asks the item to act again: the lock it waited for may be free. */
  wake(live: Live): void;
}

/** A third-party call on its way. */
interface PendingCall extends WatchedCall {
  live: Live;
  snapshot: Snapshot;
  call: string;
  startedAt: number;
}

const OCCUPANT_STEPS = new Set<string>(['FINDADDRESSOCCUPANT', 'CREATESUBSCRIBER']);

/** The calls in flight, their occupant locks and their deadlines. */
export class StepCalls {
  private readonly watch: CallWatch<PendingCall>;
  private readonly locks: OccupantLocks;
  /** Per item, a call given up on while still on its way: the item's next call waits for it. */
  private readonly abandoned = new Map<string, Promise<unknown>>();

  constructor(
    private readonly options: StepCallOptions,
    private readonly host: CallHost,
  ) {
    this.locks = new OccupantLocks(options.store);
    this.watch = new CallWatch<PendingCall>(options.clock, (pending, now) => {
      const { live, snapshot, call, startedAt } = pending;
      if (!host.isCurrent(live, snapshot)) return;
      const settled = settledOf(pending);
      // The answer may still come: the item's next call waits for it, until the full call timeout.
      if (settled) this.abandon(live.item.itemId, beforeDeadline(settled, startedAt + options.callTimeoutMs - now));
      const error = toCallError(new TransientError(`${call} did not answer within ${now - startedAt} ms`));
      host.deliver(live, { type: 'step.failed', at: now, error, jitter: options.random() });
    });
  }

  /** Makes the call `snapshot` is at and hands its outcome to the item, if the item is still there. */
  async perform(live: Live, snapshot: Snapshot, call: StepCall): Promise<void> {
    const { options, host } = this;
    const { item } = live;
    // One call of an item on the wire at a time: a void must not overtake the authorization it undoes.
    const abandoned = this.abandoned.get(item.itemId);
    if (abandoned) {
      await abandoned;
      if (!host.isCurrent(live, snapshot)) return;
    }
    if (OCCUPANT_STEPS.has(call) && !live.lock) {
      const name = occupantLockName(item.data.subscriber.email);
      let held: boolean;
      try {
        held = await this.locks.acquire(name, item.itemId, () => host.wake(live));
      } catch (error) {
        if (!host.isStopped) options.onFatal(ensureError(error));
        return;
      }
      if (!held || host.isStopped) return;
      live.lock = name;
    }
    const startedAt = options.clock();
    // A call of the synchronous part counts as failed at the in-request deadline at the latest (SPEC §3).
    const limit = startedAt + options.callTimeoutMs;
    const deadlineAt = runsBeforeStart(call) ? Math.min(limit, snapshot.context.syncDeadlineAt) : limit;
    const pending: PendingCall = { live, snapshot, call, startedAt, deadlineAt, timedOut: false };
    this.watch.add(pending);
    let event: NewStartEvent;
    try {
      const answer = invokeCall(options.connectors, call, { item, refs: snapshot.context.refs, offer: options.store.getOffer(item.offerId) });
      pending.answer = answer;
      const output = await answer;
      const at = options.clock();
      event = { type: 'step.done', at, output, nextEventId: options.newId(at) };
    } catch (thrown) {
      event = { type: 'step.failed', at: options.clock(), error: toCallError(thrown), jitter: options.random() };
    } finally {
      this.watch.delete(pending);
    }
    if (pending.timedOut) return; // already counted as a transient failure; retried under its key
    options.onAnswer?.({ itemId: item.itemId, call, phase: event.type });
    if (host.isCurrent(live, snapshot)) host.deliver(live, event);
  }

  /**
   * Lets go of the item's occupant lock once the step it is at no longer needs it; returns the
   * lock's name, whose release the caller writes with the transition and then `wakeNext`s.
   */
  releaseUnless(live: Live, next: ActiveCall | null): string | null {
    const name = live.lock;
    if (!name || holdsOccupantStep(next)) return null;
    live.lock = null;
    this.locks.release(name, live.item.itemId);
    return name;
  }

  /** Wakes the next item of this process waiting for a lock, once its release is durable. */
  wakeNext(name: string): void {
    this.locks.wakeNext(name);
  }

  /**
   * Stops the watch and the lock waits. The wait it returns resolves once the calls on their way,
   * and those given up on, have settled (at most a call timeout from when it is called): a
   * restarted engine's void must not overtake them.
   */
  stop(): () => Promise<unknown> {
    const answers = this.watch.stop();
    this.locks.stop();
    return () => beforeDeadline(Promise.all([...answers, ...this.abandoned.values()]), this.options.callTimeoutMs);
  }

  /** Keeps an item's abandoned call until it settles (or its call timeout passes). */
  private abandon(itemId: string, settling: Promise<unknown>): void {
    this.abandoned.set(itemId, settling);
    void settling.then(() => {
      if (this.abandoned.get(itemId) === settling) this.abandoned.delete(itemId);
    });
  }
}

function holdsOccupantStep(call: ActiveCall | null): boolean {
  return call !== null && call.phase !== 'failed' && OCCUPANT_STEPS.has(call.meta.call);
}
