// The hot path (SPEC §3–§4, DESIGN.md): one XState actor per item in flight. Every transition is
// staged into the batch of the current event-loop turn; the batch commits in one transaction,
// and only once it is flushed does the engine make the next call, start a retry timer, publish
// the change, or let a finished actor go.
import { createActor } from 'xstate';
import type { EventEmitter } from 'eventemitter3';
import type { Connectors, ItemRecord } from '../domain/index.ts';
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
  type NewStartEvent,
  type NewStartInput,
  type NewStartMachine,
} from '../machines/index.ts';
import type { Batch, EngineStore, ItemStateWrite, StoredItemState } from '../store/index.ts';
import { projectNotification, projectTransition } from './project.ts';
import { itemView } from './views.ts';
import { CommitTicks } from './commitTicks.ts';
import { crashProcess } from './fatal.ts';
import { stateWrite } from './stateWrites.ts';
import { Waiters } from './waiters.ts';
import { shuttingDown } from './deadline.ts';
import { StepCalls, type StepCall } from './stepCalls.ts';
import type { Live, Snapshot } from './live.ts';
import type { EngineEvents } from './bus.ts';

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

/** The actor registry and the persist-then-act loop. */
export class Runner {
  private readonly live = new Map<string, Live>();
  private readonly waiters = new Waiters<Snapshot>();
  private readonly callStates;
  private readonly ticks: CommitTicks;
  private readonly calls: StepCalls;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** Transitions taken since the runner started, for the benchmarks. */
  transitions = 0;

  constructor(private readonly options: RunnerOptions) {
    this.callStates = indexCallStates(options.machine);
    const onFatal = options.onFatal ?? crashProcess;
    this.ticks = new CommitTicks(options.store, onFatal);
    const { store, connectors, clock, random, newId } = options;
    const callTimeoutMs = options.callTimeoutMs ?? 30_000;
    const { debug } = options;
    const onAnswer = debug && ((detail: { itemId: string; call: string; phase: string }) => debug('call-returned', detail));
    const runner = this;
    this.calls = new StepCalls({ store, connectors, clock, random, newId, callTimeoutMs, onFatal, onAnswer }, {
      isCurrent: (live, snapshot) => !this.stopped && live.snapshot === snapshot && this.live.get(live.item.itemId) === live,
      deliver: (live, event) => this.dispatch(live, event),
      wake: (live) => this.act(live),
      get isStopped() {
        return runner.stopped;
      },
    });
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
    const callsSettled = this.calls.stop();
    for (const live of this.live.values()) {
      if (live.timer) clearTimeout(live.timer);
      live.actor.stop();
    }
    this.live.clear();
    // A request waiting on an item (a purchase's synchronous part) is answered 503, not left hanging.
    this.waiters.stop(shuttingDown());
    await staged;
    await callsSettled();
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
    const released = this.calls.releaseUnless(live, nextCall);
    if (released) {
      writes.releasedLocks = [released];
      this.stage({}, () => this.calls.wakeNext(released));
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
    void this.calls.perform(live, snapshot, call.meta.call as StepCall);
  }

  private evict(live: Live): void {
    if (live.timer) clearTimeout(live.timer);
    live.actor.stop();
    this.live.delete(live.item.itemId);
    this.waiters.release(live.item.itemId, live.snapshot);
  }
}
