// The calls on their way to third parties, watched by one timer: a call past its timeout is
// handed back as timed out (the engine counts it a transient failure and retries under its key).

/** What the watch needs of a call. */
export interface WatchedCall {
  startedAt: number;
  timedOut: boolean;
  /** Settles when the third party answers (or fails). */
  settled?: Promise<unknown>;
}

/** The calls in flight, with one interval alive only while there are some. */
export class CallWatch<T extends WatchedCall> {
  private readonly calls = new Set<T>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param timeoutMs how long a call may take, in ms
   * @param clock ms since the epoch
   * @param onTimeout called once for each call past its timeout
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly clock: () => number,
    private readonly onTimeout: (call: T, now: number) => void,
  ) {}

  /** Starts watching a call. */
  add(call: T): void {
    this.calls.add(call);
    this.timer ??= setInterval(() => this.sweep(), Math.min(1_000, this.timeoutMs));
  }

  /** Stops watching a call that answered. */
  delete(call: T): void {
    this.calls.delete(call);
  }

  /** Stops the timer; resolves the answers still awaited (settled or not). */
  stop(): Array<Promise<unknown> | undefined> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return [...this.calls].map((call) => call.settled);
  }

  private sweep(): void {
    const now = this.clock();
    for (const call of this.calls) {
      if (now - call.startedAt < this.timeoutMs) continue;
      call.timedOut = true;
      this.calls.delete(call);
      this.onTimeout(call, now);
    }
    if (this.calls.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
