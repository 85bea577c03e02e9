// Retry policies for transient errors (SPEC §3): exponential backoff with "equal" jitter.

/** How a step retries transient errors. */
export interface RetryPolicy {
  /** Delay before the second call, in ms (default 250). */
  readonly baseDelayMs: number;
  /** Growth of the delay per attempt (default 2). */
  readonly factor: number;
  /** Upper bound of one delay, in ms (default 5,000). */
  readonly maxDelayMs: number;
  /**
   * How long transient failures may go on, in ms from the first one, before the step gives up
   * (default 600,000: ten minutes). Infinity never gives up.
   */
  readonly budgetMs: number;
}

/** The default policy of a background step. */
export const BACKGROUND_RETRY: RetryPolicy = Object.freeze({
  baseDelayMs: 250,
  factor: 2,
  maxDelayMs: 5_000,
  budgetMs: 10 * 60_000,
});

/**
 * The wait before the next call after `failedCalls` failed calls (1 after the first failure),
 * drawn uniformly between half and all of the capped exponential delay; `random` is in [0, 1).
 */
export function retryDelay(policy: RetryPolicy, failedCalls: number, random: number): number {
  const exponent = Math.max(0, failedCalls - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
