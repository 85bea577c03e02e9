// Who waits for an item to reach a state (a purchase for its synchronous part, processSync for
// the end, tests for rest), told only of snapshots that are flushed.

/** One waiter: the condition and how to tell it. */
interface Waiter<S> {
  until: (snapshot: S) => boolean;
  resolve: (snapshot: S) => void;
}

/** The waiters of every item. */
export class Waiters<S> {
  private readonly byItem = new Map<string, Array<Waiter<S>>>();

  /** Resolves once `notify` hands the item a snapshot satisfying `until` (or `release` runs). */
  add(itemId: string, until: (snapshot: S) => boolean): Promise<S> {
    return new Promise((resolve) => {
      const list = this.byItem.get(itemId);
      if (list) list.push({ until, resolve });
      else this.byItem.set(itemId, [{ until, resolve }]);
    });
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
