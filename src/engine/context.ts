// What the engine's parts share: the store, the runner, the connectors, the clock and id sources, and settings.
import type { Connectors } from '../domain/index.ts';
import type { EngineStore, IdempotencyRecord } from '../store/index.ts';
import type { Runner } from './runner.ts';
import type { Snapshot } from './live.ts';
import type { Release } from './deadline.ts';
import { statePath } from '../machines/index.ts';

/** Settings with their defaults applied. */
export interface EngineSettings {
  /** In-request budget for transient failures of ADDRSTD and AUTHCC, in ms (default 5,000). */
  syncBudgetMs: number;
  /** How long a processSync purchase waits before answering as split mode would, in ms (default 10,000). */
  processSyncDeadlineMs: number;
  /** How long a shopper's cancel waits for the circulation system to record the stop, in ms (default 10,000). */
  cancelDeadlineMs: number;
  /** Number of shards items are grouped in by order (default 1). */
  shards: number;
}

/** The engine's shared parts. */
export interface EngineContext {
  store: EngineStore;
  runner: Runner;
  /** The third parties; the runner makes the chart's calls, CSR actions the few of their own. */
  connectors: Connectors;
  clock: () => number;
  /** Uniform in [0, 1), for retry jitter. */
  random: () => number;
  newId: (at: number) => string;
  /** A fresh temporary account number: `T` and digits, unique. */
  temporaryAccountNumber: () => string;
  settings: EngineSettings;
  /** Items a CSR or shopper action is running on: a second action at once gets 409. */
  busy: Set<string>;
  /** Idempotency keys (`app NUL key`) whose first request is still running in this process. */
  inFlight: Set<string>;
  /** Answers being kept with their keys (`app NUL key`), until durable: a repeat meanwhile replays it. */
  keeping: Map<string, Promise<NonNullable<IdempotencyRecord['answer']>>>;
  /** Requests that wait on provisioning wait through this, so a shutdown can answer them at once. */
  waits: Release;
}

/** True once an item's synchronous part is over: at STARTSTD waiting for its order, or rejected. */
export function syncSettled(snapshot: Snapshot): boolean {
  const path = statePath(snapshot.value);
  return path[0] !== 'sync' || path[1] === 'STARTSTD' || path[1] === 'rejected';
}

/** A generator of temporary account numbers that never repeats, even across restarts. */
export function temporaryAccountNumbers(clock: () => number): () => string {
  let last = 0;
  return () => {
    last = Math.max(last + 1, clock() * 1000);
    return `T${last}`;
  };
}
