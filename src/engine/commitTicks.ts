// Group commit (DESIGN.md): everything staged in one event-loop turn is written in one LMDB
// transaction, and the callbacks waiting on it run only once it is flushed to disk.
import { ensureError } from '../domain/index.ts';
import type { Batch, EngineStore } from '../store/index.ts';

/** Every kind of write a batch holds; the compiler checks that none is missing. */
const BATCH_KEYS = Object.keys({
  orders: true,
  settledOrders: true,
  items: true,
  states: true,
  events: true,
  accountNumbers: true,
  notifications: true,
  audit: true,
  releasedLocks: true,
  idempotency: true,
} satisfies Record<keyof Batch, true>) as Array<keyof Batch>;

/** The batch of the current turn and what waits for it. */
export class CommitTicks {
  private batch: Batch = {};
  private after: Array<() => void> = [];
  private scheduled = false;
  private closed = false;

  /**
   * @param store where each turn's batch is committed
   * @param onFatal called when a commit fails: the engine cannot go on
   */
  constructor(
    private readonly store: EngineStore,
    private readonly onFatal: (error: Error) => void,
  ) {}

  /** Adds writes to the batch of this turn; `then` runs once they are flushed. Ignored once closed. */
  stage(writes: Batch, then?: () => void): void {
    if (this.closed) return; // a stopped engine writes nothing more, like a process that ended
    for (const key of BATCH_KEYS) {
      const value = writes[key] as unknown[] | undefined;
      if (value === undefined || value.length === 0) continue;
      const into = this.batch[key] as unknown[] | undefined;
      if (into === undefined) this.batch[key] = value.slice() as never;
      else for (const entry of value) into.push(entry);
    }
    if (then) this.after.push(then);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Resolves once everything staged so far is flushed to disk. */
  durable(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the engine is stopped: nothing more is written'));
    return new Promise((resolve) => this.stage({}, resolve));
  }

  /** Takes nothing more; resolves once what was staged is flushed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const staged = this.durable();
    this.closed = true;
    return staged;
  }

  private flush(): void {
    const batch = this.batch;
    const after = this.after;
    this.batch = {};
    this.after = [];
    this.scheduled = false;
    this.store.commit(batch).then(
      () => {
        for (const then of after) then();
      },
      (error) => this.onFatal(ensureError(error)),
    );
  }
}
