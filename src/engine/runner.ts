// The hot path (SPEC §3–§4, DESIGN.md): one XState actor per item in flight. Every transition is
// staged into the batch of the current event-loop turn; the batch commits in one transaction,
// and only once it is flushed does the engine make the next call, start a retry timer, publish
// the change, or let a finished actor go.
import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { EventEmitter } from 'eventemitter3';
import { TransientError, ensureError, runsBeforeStart, type Connectors, type ItemRecord, type StepName } from '../domain/index.ts';
import {
  findActiveCall,
  indexCallStates,
  restsAt,
  itemStatusOf,
  persistSnapshot,
  restorableSnapshot,
  retryScheduled,
  statePath,
  type ActiveCall,
  type StoredSnapshot,
  type ActionCall,
  type NewStartEvent,
  type NewStartInput,
  type NewStartMachine,
} from '../machines/index.ts';
import type { Batch, EngineStore, ItemStateWrite, StoredItemState } from '../store/index.ts';
import { invokeCall, toCallError } from './calls.ts';
import { projectNotification, projectTransition } from './project.ts';
import { itemView } from './views.ts';
import { OccupantLocks, occupantLockName } from './occupantLocks.ts';
import { CommitTicks } from './commitTicks.ts';
import { crashProcess } from './fatal.ts';
import { stateWrite } from './stateWrites.ts';
import { CallWatch, settledOf, type WatchedCall } from './callWatch.ts';
import { Waiters } from './waiters.ts';
import { beforeDeadline, shuttingDown } from './deadline.ts';
import type { EngineEvents } from './bus.ts';

/** A chart snapshot. */
export type Snapshot = SnapshotFrom<NewStartMachine>;

/** A named point on a commit path, so crash tests can stop the process exactly there. */
export type DebugPoint = (point: 'committed' | 'call-returned', detail: { itemId: string; call: string; phase: string }) => void;

/** What the runner needs. */
export interface RunnerOptions {
  store: EngineStore;
  connectors: Connectors;
  machine: NewStartMachine;
  clock: () => number;
  random: () => number;
  newId: (at: number) => string;
  bus: EventEmitter<EngineEvents>;
  debug?: DebugPoint;
  /** Called with an error the engine cannot go on after (a failed commit); default: crash. */
  onFatal?: (error: Error) => void;
  /** A call unanswered after this long counts as a transient failure, in ms (default 30,000). */
  callTimeoutMs?: number;
}

interface Live {
  item: ItemRecord;
  actor: Actor<NewStartMachine>;
  snapshot: Snapshot;
  /** The call `snapshot` is at, worked out once per transition. */
  call: ActiveCall | null;
  timer: NodeJS.Timeout | null;
  /** The occupant lock this item holds, if any. */
  lock: string | null;
  /** Transitions journalled since the last full snapshot was written. */
  sinceSnapshot: number;
  /** The last snapshot known to be flushed: what waiters and readers may be told. */
  committed: Snapshot;
}

/** A third-party call on its way. */
interface PendingCall extends WatchedCall {
  live: Live;
  snapshot: Snapshot;
  call: string;
  startedAt: number;
}

const OCCUPANT_STEPS = new Set<string>(['FINDADDRESSOCCUPANT', 'CREATESUBSCRIBER']);

/** The actor registry and the persist-then-act loop. */
export class Runner {
  private readonly live = new Map<string, Live>();
  private readonly waiters = new Waiters<Snapshot>();
  private readonly locks: OccupantLocks;
  private readonly callStates;
  private readonly ticks: CommitTicks;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private readonly calls: CallWatch<PendingCall>;
  /** Per item, a call given up on while still on its way: the item's next call waits for it (see `perform`). */
  private readonly abandoned = new Map<string, Promise<unknown>>();
  /** Transitions taken since the runner started, for the benchmarks. */
  transitions = 0;

  constructor(private readonly options: RunnerOptions) {
    this.callStates = indexCallStates(options.machine);
    this.locks = new OccupantLocks(options.store);
    this.ticks = new CommitTicks(options.store, options.onFatal ?? crashProcess);
    this.calls = new CallWatch<PendingCall>(options.clock, (pending, now) => {
      const { live, snapshot, call, startedAt } = pending;
      if (live.snapshot !== snapshot || this.live.get(live.item.itemId) !== live) return;
      const settled = settledOf(pending);
      // The answer may still come: the item's next call waits for it, until the full call timeout.
      if (settled) this.abandon(live.item.itemId, beforeDeadline(settled, startedAt + this.callTimeoutMs - now));
      const error = toCallError(new TransientError(`${call} did not answer within ${now - startedAt} ms`));
      this.dispatch(live, { type: 'step.failed', at: now, error, jitter: options.random() });
    });
  }

  private get callTimeoutMs(): number {
    return this.options.callTimeoutMs ?? 30_000;
  }

  /** How many items have an actor in memory now. */
  get size(): number {
    return this.live.size;
  }

  /** Adds writes to the batch of this turn; `then` runs once they are flushed. */
  stage(writes: Batch, then?: () => void): this {
    this.ticks.stage(writes, then);
    return this;
  }

  /** Resolves once everything staged so far is flushed to disk. */
  durable(): Promise<void> {
    return this.ticks.durable();
  }

  /** A new item's actor and the write of its first snapshot; `launch` it once that is flushed. */
  prepare(item: ItemRecord, input: NewStartInput): { launch: () => void; discard: () => void; state: ItemStateWrite } {
    const actor = createActor(this.options.machine, { input });
    actor.start();
    const initial = actor.getSnapshot();
    const call = findActiveCall(this.callStates, initial.value);
    const live: Live = { item, actor, snapshot: initial, call, committed: initial, timer: null, lock: null, sinceSnapshot: 0 };
    const runner = this;
    return {
      state: { itemId: item.itemId, shard: item.shard, snapshot: persistSnapshot(initial), unfinished: true },
      launch() {
        if (runner.stopped) return;
        runner.live.set(item.itemId, live);
        runner.act(live);
      },
      discard() {
        actor.stop();
      },
    };
  }

  /** Brings an item's actor back from its stored snapshot, or returns the live one. */
  private revive(itemId: string): Live | undefined {
    if (this.stopped) return undefined;
    const existing = this.live.get(itemId);
    if (existing) return existing;
    const state = this.options.store.getItemState(itemId);
    return state && this.restore(state);
  }

  /** Rebuilds an item's actor from its last snapshot and the journalled events after it. */
  restore(state: StoredItemState): Live | undefined {
    const item = this.options.store.getItem(state.itemId);
    if (!item || this.stopped) return undefined;
    const actor = createActor(this.options.machine, { snapshot: restorableSnapshot(state.snapshot as StoredSnapshot) as never, input: undefined });
    actor.start();
    // The chart is a pure function of snapshot and event: replaying the journal gives the state back.
    for (const event of state.events) actor.send(event as NewStartEvent);
    const restored = actor.getSnapshot();
    const call = findActiveCall(this.callStates, restored.value);
    const live: Live = { item, actor, snapshot: restored, call, committed: restored, timer: null, lock: null, sinceSnapshot: state.events.length };
    this.live.set(state.itemId, live);
    return live;
  }

  /** Resumes what a revived item was doing (a call again, under the same key, or a timer). */
  resume(itemId: string): void {
    const live = this.revive(itemId);
    if (!live) return;
    // A call that was on its way is made again and counts (SPEC §2 `attempts`); it goes out once that is flushed.
    const counted = live.call?.phase === 'calling' && this.dispatch(live, { type: 'step.resume', at: this.options.clock() });
    if (!counted) this.act(live);
  }

  /** The item's current snapshot, live or stored. */
  snapshotOf(itemId: string): Snapshot | undefined {
    return this.live.get(itemId)?.committed ?? (this.options.store.getItemState(itemId)?.snapshot as Snapshot | undefined);
  }

  /**
   * Resolves once everything staged for a live item is flushed, so `snapshotOf` is as new as what
   * the store's readers already see (a commit is visible a flush before the engine acts on it).
   */
  async caughtUp(itemId: string): Promise<void> {
    const live = this.live.get(itemId);
    if (live && live.snapshot !== live.committed) await this.durable().catch(() => undefined); // stopped: the caller checks
  }

  /** The item record of a live item, or the stored one. */
  itemOf(itemId: string): ItemRecord | undefined {
    return this.live.get(itemId)?.item ?? this.options.store.getItem(itemId);
  }

  /** Replaces the record of a live item (a CSR update), so its next calls use the new data. */
  refreshItem(item: ItemRecord): void {
    const live = this.live.get(item.itemId);
    if (live) live.item = item;
  }

  /** Sends an event to an item; returns false when the chart did not take it. */
  send(itemId: string, event: NewStartEvent, extra?: Batch): boolean {
    const revived = !this.live.has(itemId);
    const live = this.revive(itemId);
    if (!live) return false;
    const taken = this.dispatch(live, event, extra);
    // An item brought back only to refuse the event goes back to rest at once.
    if (!taken && revived && restsAt(live.call)) this.evict(live);
    return taken;
  }

  /** The item's snapshot once it satisfies `until` (or rests); rejects (`unavailable`) once the runner stops. */
  waitFor(itemId: string, until: (snapshot: Snapshot) => boolean): Promise<Snapshot> {
    const current = this.snapshotOf(itemId);
    if (current && until(current)) return Promise.resolve(current);
    return this.waiters.add(itemId, until);
  }

  /** Stops every timer and actor and waits for calls in flight; nothing new starts or is written. */
  stop(): Promise<void> {
    return (this.stopping ??= this.stopNow());
  }

  private async stopNow(): Promise<void> {
    const staged = this.ticks.close();
    this.stopped = true;
    // Calls on their way finish (bounded by the call timeout); their answers are not acted on.
    const answers = this.calls.stop();
    this.locks.stop();
    for (const live of this.live.values()) {
      if (live.timer) clearTimeout(live.timer);
      live.actor.stop();
    }
    this.live.clear();
    // A request waiting on an item (a purchase's synchronous part) is answered 503, not left hanging.
    this.waiters.stop(shuttingDown());
    await staged;
    // Calls given up on but still on their way count too: a restarted engine's void must not overtake them.
    await beforeDeadline(Promise.all([...answers, ...this.abandoned.values()]), this.callTimeoutMs);
  }

  /** True once `stop()` was called: nothing more is written. */
  get isStopped(): boolean {
    return this.stopped;
  }

  private dispatch(live: Live, event: NewStartEvent, extra?: Batch): boolean {
    if (this.stopped) return false;
    const prev = live.snapshot;
    live.actor.send(event);
    const next = live.actor.getSnapshot();
    if (next === prev || (next.value === prev.value && next.context === prev.context)) return false;
    const prevCall = live.call;
    live.snapshot = next;
    live.call = findActiveCall(this.callStates, next.value);
    this.transitions += 1;
    this.record(live, prev, next, prevCall, event, extra);
    return true;
  }

  private record(live: Live, prev: Snapshot, next: Snapshot, prevCall: ActiveCall | null, event: NewStartEvent, extra?: Batch): void {
    const { item } = live;
    const { store } = this.options;
    const projection = projectTransition(item, prev.context, next.context, store.getOffer(item.offerId));
    const nextCall = live.call;
    const state = stateWrite(item, event, next, prevCall, nextCall, (live.sinceSnapshot += 1));
    if (state.snapshotted) live.sinceSnapshot = 0;
    const writes: Batch = { states: [state.write], events: projection.events, accountNumbers: projection.accountNumbers };
    const notification = projectNotification(item, prev, next, this.options.clock());
    if (notification) writes.notifications = [notification];
    if (live.lock && !holdsOccupantStep(nextCall)) {
      const released = live.lock;
      writes.releasedLocks = [released];
      live.lock = null;
      this.locks.release(released, item.itemId);
      this.stage({}, () => this.locks.wakeNext(released));
    }
    const { bus } = this.options;
    const steps = bus.listenerCount('step') > 0 ? projection.events : undefined;
    const retrying = bus.listenerCount('retry') > 0 ? retryScheduled(prevCall, nextCall) : undefined;
    if (extra) this.stage(writes);
    // An unnamed callback: tsx keeps the names of named closures, at a cost on every transition.
    this.stage(extra ?? writes, () => {
      if (steps) for (const { event, previousStatus } of steps) bus.emit('step', { typeName: event.typeName, status: event.status, previousStatus, attempts: event.attempts });
      if (retrying) bus.emit('retry', retrying);
      this.afterTransition(live, next);
    });
  }

  private afterTransition(live: Live, snapshot: Snapshot): void {
    live.committed = snapshot;
    if (live.snapshot !== snapshot) return; // a later transition superseded this one
    const { bus } = this.options;
    if (bus.listenerCount('item') > 0 && itemStatusOf(snapshot.value) !== 'aborted') bus.emit('item', itemView(live.item, snapshot));
    this.waiters.notify(live.item.itemId, snapshot);
    this.act(live);
  }

  private act(live: Live): void {
    if (this.stopped || this.live.get(live.item.itemId) !== live) return;
    const { snapshot, call } = live;
    if (call?.meta.call === 'STARTSTD') {
      this.options.debug?.('committed', { itemId: live.item.itemId, call: 'STARTSTD', phase: 'waiting' });
      return; // the order's commit or abort comes next
    }
    if (!call || call.phase === 'failed') {
      this.options.debug?.('committed', { itemId: live.item.itemId, call: call?.meta.call ?? statePath(snapshot.value).join('.'), phase: call?.phase ?? 'rest' });
      if (!this.stopped) this.evict(live);
      return;
    }
    this.options.debug?.('committed', { itemId: live.item.itemId, call: call.meta.call, phase: call.phase });
    if (this.stopped) return; // a debug point may stop the engine right here
    if (call.phase === 'waitingToRetry') {
      const wait = Math.max(0, (snapshot.context.call.nextAttemptAt ?? 0) - this.options.clock());
      live.timer = setTimeout(() => {
        live.timer = null;
        if (live.snapshot === snapshot) this.dispatch(live, { type: 'step.retry', at: this.options.clock() });
      }, wait);
      return;
    }
    void this.perform(live, snapshot, call.meta.call as Exclude<StepName, 'STARTSTD'> | ActionCall);
  }

  private async perform(live: Live, snapshot: Snapshot, call: Exclude<StepName, 'STARTSTD'> | ActionCall): Promise<void> {
    const { item } = live;
    // One call of an item on the wire at a time: a void must not overtake the authorization it undoes.
    const abandoned = this.abandoned.get(item.itemId);
    if (abandoned) {
      await abandoned;
      if (this.stopped || live.snapshot !== snapshot || this.live.get(item.itemId) !== live) return;
    }
    if (OCCUPANT_STEPS.has(call) && !live.lock) {
      const name = occupantLockName(item.data.subscriber.email);
      let held: boolean;
      try {
        held = await this.locks.acquire(name, item.itemId, () => this.act(live));
      } catch (error) {
        if (!this.stopped) (this.options.onFatal ?? crashProcess)(ensureError(error));
        return;
      }
      if (!held || this.stopped) return;
      live.lock = name;
    }
    const startedAt = this.options.clock();
    // A call of the synchronous part counts as failed at the in-request deadline at the latest (SPEC §3).
    const limit = runsBeforeStart(call) ? Math.min(startedAt + this.callTimeoutMs, snapshot.context.syncDeadlineAt) : startedAt + this.callTimeoutMs;
    const pending: PendingCall = { live, snapshot, call, startedAt, deadlineAt: limit, timedOut: false };
    this.calls.add(pending);
    let event: NewStartEvent;
    try {
      const answer = invokeCall(this.options.connectors, call, { item, refs: snapshot.context.refs, offer: this.options.store.getOffer(item.offerId) });
      pending.answer = answer;
      const output = await answer;
      const at = this.options.clock();
      event = { type: 'step.done', at, output, nextEventId: this.options.newId(at) };
    } catch (thrown) {
      event = { type: 'step.failed', at: this.options.clock(), error: toCallError(thrown), jitter: this.options.random() };
    } finally {
      this.calls.delete(pending);
    }
    if (pending.timedOut) return; // already counted as a transient failure; retried under its key
    this.options.debug?.('call-returned', { itemId: item.itemId, call, phase: event.type });
    if (live.snapshot !== snapshot || this.live.get(item.itemId) !== live) return;
    this.dispatch(live, event);
  }

  /** Keeps an item's abandoned call until it settles (or its call timeout passes), which is at most a call timeout. */
  private abandon(itemId: string, settling: Promise<unknown>): void {
    this.abandoned.set(itemId, settling);
    void settling.then(() => {
      if (this.abandoned.get(itemId) === settling) this.abandoned.delete(itemId);
    });
  }

  private evict(live: Live): void {
    if (live.timer) clearTimeout(live.timer);
    live.actor.stop();
    this.live.delete(live.item.itemId);
    this.waiters.release(live.item.itemId, live.snapshot);
  }
}

function holdsOccupantStep(call: ActiveCall | null): boolean {
  return call !== null && call.phase !== 'failed' && OCCUPANT_STEPS.has(call.meta.call);
}
