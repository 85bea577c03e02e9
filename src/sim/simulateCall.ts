// What every simulated third-party call goes through (SPEC §7): latency split around the act, and
// the seeded transient-failure rate, so crashes and retries meet the engine as they would in life.
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../domain/index.ts';

/** The conditions the simulated calls run under, shared by every simulator of one set. */
export interface CallConditions {
  /** The round-trip latency in ms (default 0), read per call so an admin change applies at once. */
  latencyMs(): number;
  /** The probability, 0 to 1 (default 0), that a call fails transiently before acting. */
  readonly failureRate: number;
  /** The seeded random source in [0, 1). */
  readonly random: () => number;
  /** Now, in ms since the epoch. */
  readonly clock: () => number;
}

/**
 * Runs `act` as a call to `system`: half the latency passes before it acts and half on the answer's
 * way back (error or result), so a crash can fall between an effect and the caller hearing of it.
 */
export function simulateCall<T>(conditions: CallConditions, system: string, act: () => T | Promise<T>): Promise<T> {
  const latency = conditions.latencyMs();
  // With no latency, no timer and no extra promise: the benchmark pushes every step through here.
  if (latency <= 0) {
    try {
      failSometimes(conditions, system);
      return Promise.resolve(act());
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return withLatency(conditions, system, act, latency);
}

async function withLatency<T>(conditions: CallConditions, system: string, act: () => T | Promise<T>, latency: number): Promise<T> {
  const before = Math.floor(latency / 2);
  if (before > 0) await sleep(before);
  try {
    failSometimes(conditions, system);
    return await act();
  } finally {
    const after = latency - before;
    if (after > 0) await sleep(after);
  }
}

function failSometimes(conditions: CallConditions, system: string): void {
  if (conditions.failureRate > 0 && conditions.random() < conditions.failureRate) {
    throw new TransientError(`${system} did not answer in time (simulated transient failure); try later`);
  }
}
