// The idempotency every simulated third party offers (SPEC §7): an effect is recorded in the ledger
// under its key in the same write as the state it changes; the key's later calls get the recorded
// result and change nothing; a refused call changes nothing and leaves its key free.
import { PermanentError, isoTime, type CallContext, type KeyValueStore, type TransientError } from '../domain/index.ts';
import { ledgerItemKey, ledgerKey, type LedgerRecord, type Operation, type SystemName } from './ledger.ts';
import { withReadYourWrites } from './readYourWrites.ts';
import { simulateCall, type CallConditions } from './simulateCall.ts';

/** One write to a simulator's store; an undefined value deletes the key. */
export type Entry = readonly [key: string, value: unknown];

/** What a simulator decides about one call, from the state it read. */
export type Outcome<T> =
  | { readonly kind: 'perform'; readonly result: T; readonly writes: readonly Entry[]; readonly amount?: number }
  | { readonly kind: 'answer'; readonly result: T }
  | { readonly kind: 'refuse'; readonly error: TransientError | PermanentError; readonly countCall: boolean };

/** Performs the effect: `writes` land with the ledger record, `amount` (cents) goes in the ledger. */
export function perform<T>(result: T, writes: readonly Entry[] = [], amount?: number): Outcome<T> {
  return { kind: 'perform', result, writes, amount };
}

/** Answers without performing or recording anything (nothing to do, such as a void of no authorization). */
export function answer<T>(result: T): Outcome<T> {
  return { kind: 'answer', result };
}

/**
 * Refuses the call; with `countCall` the refusal is counted against the key, for rules that depend on
 * how often a key has come (tok_flaky), and those calls then show in the ledger entry's `calls`.
 */
export function refuse(error: TransientError | PermanentError, options: { countCall?: boolean } = {}): Outcome<never> {
  return { kind: 'refuse', error, countCall: options.countCall ?? false };
}

/** What a simulator may ask about the call it is deciding. */
export interface EffectCall {
  /** When the effect happens, should it happen (ISO 8601, UTC). */
  readonly at: string;
  /** How many calls with this key were refused with `countCall` before this one. */
  priorRefusals(): number;
}

/** Runs one system's calls: lookups, and effects recorded in its ledger. */
export interface EffectRunner {
  /** The system's store, seeing its own writes before they commit. */
  readonly store: KeyValueStore;
  /** Runs an effect; `act` must decide synchronously, so nothing slips between its reads and its write. */
  effect<T>(operation: Operation, context: CallContext, act: (call: EffectCall) => Outcome<T>): Promise<T>;
  /** Runs a call that changes nothing (a lookup): latency and failures, no ledger. */
  lookup<T>(ask: () => T): Promise<T>;
}

/** What a simulator of one system needs: its own store and the conditions its calls run under. */
export interface SimulatorDeps {
  store: KeyValueStore;
  conditions: CallConditions;
}

/** What a runner needs. */
export interface EffectRunnerOptions {
  system: SystemName;
  store: KeyValueStore;
  conditions: CallConditions;
  /** The error every call gets while the system is down (the circulation outage), checked per call. */
  unavailable?: () => TransientError | undefined;
}

/** Builds the runner of one simulated system over its store. */
export function createEffectRunner(options: EffectRunnerOptions): EffectRunner {
  const { system, conditions, unavailable } = options;
  const store = withReadYourWrites(options.store);

  function checkAvailable(): void {
    const down = unavailable?.();
    if (down) throw down;
  }

  async function replay<T>(recorded: LedgerRecord, operation: Operation, key: string): Promise<T> {
    if (recorded.operation !== operation) {
      throw new PermanentError(
        'third-party',
        'idempotency-key-reused',
        `${system} already used idempotency key "${recorded.idempotencyKey}" for ${recorded.operation}; it cannot serve ${operation}`,
      );
    }
    await store.write([[key, { ...recorded, calls: recorded.calls + 1 }]]);
    return recorded.result as T;
  }

  /** Reads, decides and issues the write in one synchronous stretch, then waits for its flush. */
  function decide<T>(operation: Operation, context: CallContext, act: (call: EffectCall) => Outcome<T>): Promise<T> | T {
    checkAvailable();
    const key = ledgerKey(context.idempotencyKey);
    const recorded = store.get<LedgerRecord>(key);
    if (recorded) return replay<T>(recorded, operation, key);

    const refusedKey = `refused/${context.idempotencyKey}`;
    let prior: number | undefined;
    const call: EffectCall = {
      at: isoTime(conditions.clock()),
      priorRefusals() {
        return (prior ??= store.get<number>(refusedKey) ?? 0);
      },
    };
    const outcome = act(call);
    if (outcome.kind === 'answer') return outcome.result;
    if (outcome.kind === 'refuse') {
      if (!outcome.countCall) throw outcome.error;
      return store.write([[refusedKey, call.priorRefusals() + 1]]).then(() => {
        throw outcome.error;
      });
    }

    const record: LedgerRecord = {
      system,
      operation,
      itemId: context.itemId,
      idempotencyKey: context.idempotencyKey,
      calls: (prior ?? 0) + 1,
      performedAt: call.at,
      ...(outcome.amount === undefined ? {} : { amount: outcome.amount }),
      result: outcome.result,
    };
    const writes: Entry[] = [[key, record], [ledgerItemKey(context.itemId, context.idempotencyKey), 1], ...outcome.writes];
    if (prior) writes.push([refusedKey, undefined]);
    return store.write(writes).then(() => outcome.result);
  }

  return {
    store,
    effect: (operation, context, act) => simulateCall(conditions, system, () => decide(operation, context, act)),
    lookup: (ask) =>
      simulateCall(conditions, system, () => {
        checkAvailable();
        return ask();
      }),
  };
}
