// Occupant steps of one subscriber email run one at a time (SPEC §3). The lock is a conditional
// write in the store, so it holds across worker threads and processes; inside this process a
// FIFO queue hands it to the next waiter, so a popular email costs one wake-up per release, not
// a stampede of store transactions.
import type { EngineStore } from '../store/index.ts';

/** The lock name of a subscriber email. */
export function occupantLockName(email: string): string {
  return `occupant:${email.trim().toLowerCase()}`;
}

/** Locks held and awaited by the items of this process. */
export class OccupantLocks {
  private readonly holders = new Map<string, string>();
  private readonly queues = new Map<string, Array<() => void>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * @param store where the lock is a conditional write
   * @param pollMs how often an item retries a lock another process holds (default 50 ms)
   */
  constructor(
    private readonly store: EngineStore,
    private readonly pollMs = 50,
  ) {}

  /** True when `holder` holds the lock now; otherwise `wake` is called when it may try again. */
  async acquire(name: string, holder: string, wake: () => void): Promise<boolean> {
    const local = this.holders.get(name);
    if (local === holder) return true;
    if (local !== undefined) {
      this.enqueue(name, wake);
      return false;
    }
    // Claimed here first, so other items of this process queue while the store is asked.
    this.holders.set(name, holder);
    let taken = false;
    try {
      taken = await this.store.acquireLock(name, holder);
    } finally {
      if (!taken) this.holders.delete(name);
    }
    if (taken) return true;
    // The store names another holder: another process, or an item of ours resumed after a
    // crash that held it before. Everyone queued here asks again, so that holder gets it back.
    this.wakeAll(name);
    this.poll(wake);
    return false;
  }

  /** Stops the retry timers; nothing waits any more. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queues.clear();
  }

  /** Forgets `holder`'s hold; the store's release is written in the same batch as the transition. */
  release(name: string, holder: string): void {
    if (this.holders.get(name) === holder) this.holders.delete(name);
  }

  /** Wakes the next waiter for `name`, once the release is durable. */
  wakeNext(name: string): void {
    const queue = this.queues.get(name);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.queues.delete(name);
    next?.();
  }

  private wakeAll(name: string): void {
    const queue = this.queues.get(name) ?? [];
    this.queues.delete(name);
    for (const wake of queue) this.poll(wake, 0);
  }

  private poll(wake: () => void, delay = this.pollMs): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      wake();
    }, delay);
    this.timers.add(timer);
  }

  private enqueue(name: string, wake: () => void): void {
    const queue = this.queues.get(name);
    if (queue) queue.push(wake);
    else this.queues.set(name, [wake]);
  }
}
