// Waiting with a deadline: what the engine does wherever a request must not hang (processSync,
// cancel, shutdown), and the signal that ends every such wait at once when the server goes down.

/** Ends the engine's waits early: `released` resolves once `release()` was called. */
export class Release {
  private done = false;
  private resolve!: () => void;
  readonly released = new Promise<undefined>((resolve) => (this.resolve = () => resolve(undefined)));

  release(): void {
    this.done = true;
    this.resolve();
  }

  /** The promise's value, or undefined once `ms` have passed or the waits are released. */
  wait<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    return beforeDeadline(Promise.race([promise, this.released]), this.done ? 0 : ms);
  }
}

/** The promise's value, or undefined once `ms` have passed first; the timer does not outlive the race. */
export async function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
