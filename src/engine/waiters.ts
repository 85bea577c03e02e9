// Who waits for an item to reach a state (a purchase for its synchronous part, processSync for
// the end, tests for rest), told only of snapshots that are flushed.

/** One waiter: the condition and how to tell it. */
interface Waiter<S> {
  until: (snapshot: S) => boolean;
  resolve: (snapshot: S) => void;
  reject: (error: Error) => void;
}

/** The waiters of every item. */
export class Waiters<S> {
  private readonly byItem = new Map<string, Array<Waiter<S>>>();
  private stoppedWith: Error | undefined;

  /**
   * Resolves once `notify` hands the item a snapshot satisfying `until` (or `release` runs);
   * rejects once `stop` runs, when nothing will tell it any more.
   */
  add(itemId: string, until: (snapshot: S) => boolean): Promise<S> {
    if (this.stoppedWith) return Promise.reject(this.stoppedWith);
    return new Promise((resolve, reject) => {
      const list = this.byItem.get(itemId);
      if (list) list.push({ until, resolve, reject });
      else this.byItem.set(itemId, [{ until, resolve, reject }]);
    });
  }

  /** Rejects every waiter with `error`, and every later one: the items will not move any more here. */
  stop(error: Error): void {
    this.stoppedWith = error;
    const lists = [...this.byItem.values()];
    this.byItem.clear();
    for (const list of lists) for (const w of list) w.reject(error);
  }

  /** Tells the item's waiters of a flushed snapshot; those whose condition holds are resolved. */
  notify(itemId: string, snapshot: S): void {
    const list = this.byItem.get(itemId);
    if (!list) return;
    const still = list.filter((w) => (w.until(snapshot) ? (w.resolve(snapshot), false) : true));
    if (still.length) this.byItem.set(itemId, still);
    else this.byItem.delete(itemId);
  }

  /** Resolves every waiter of the item with `snapshot` (the item came to rest). */
  release(itemId: string, snapshot: S): void {
    const list = this.byItem.get(itemId);
    if (!list) return;
    this.byItem.delete(itemId);
    for (const w of list) w.resolve(snapshot);
  }
}
