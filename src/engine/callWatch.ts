// The calls on their way to third parties, watched by one timer: a call past its deadline is
// handed back as timed out (the engine counts it a transient failure and retries under its key).

/** What the watch needs of a call. */
export interface WatchedCall {
  /** When the call counts as failed if it has not answered, in ms since the epoch. */
  deadlineAt: number;
  timedOut: boolean;
  /** The third party's answer, once the call is made. */
  answer?: Promise<unknown>;
}

/** The calls in flight, with one interval alive only while there are some. */
export class CallWatch<T extends WatchedCall> {
  private readonly calls = new Set<T>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param clock ms since the epoch
   * @param onTimeout called once for each call past its deadline
   * @param sweepMs how often deadlines are checked: how late past one a call may be handed back
   */
  constructor(
    private readonly clock: () => number,
    private readonly onTimeout: (call: T, now: number) => void,
    private readonly sweepMs = 250,
  ) {}

  /** Starts watching a call. */
  add(call: T): void {
    this.calls.add(call);
    this.timer ??= setInterval(() => this.sweep(), this.sweepMs);
  }

  /** Stops watching a call that answered. */
  delete(call: T): void {
    this.calls.delete(call);
  }

  /** Stops the timer; returns the answers of the calls still watched (each settles, or is undefined if not yet known). */
  stop(): Array<Promise<unknown> | undefined> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return [...this.calls].map((call) => settledOf(call));
  }

  private sweep(): void {
    const now = this.clock();
    for (const call of this.calls) {
      if (now < call.deadlineAt) continue;
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

/** Settles, never rejecting, when the call's third party answers or fails; undefined if the call was not made yet. */
export function settledOf(call: WatchedCall): Promise<unknown> | undefined {
  return call.answer?.then(
    () => undefined,
    () => undefined,
  );
}
