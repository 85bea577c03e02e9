// Test support for the simulator tests (SPEC §7): simulators over a real LMDB store in a fresh temp
// directory, removed when the test ends, with a reopen that mimics a restart of the engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError, callKey, type CallContext, type ErrorCategory, type KeyValueStore } from '../../src/domain/index.ts';
import { createSimulators, type SimulatorOptions, type Simulators } from '../../src/sim/index.ts';
import { openThirdPartyStore, type ThirdPartyStore } from '../../src/store/index.ts';

/** A test's simulators, over a store that can be closed and reopened like after a restart. */
export interface TestWorld extends Simulators {
  readonly dir: string;
  readonly store: ThirdPartyStore;
  /** Closes the store and builds new simulators over the same directory. */
  reopen(): Promise<void>;
}

/** Opens simulators over a fresh temp directory, closed and removed after the test. */
export function openTestWorld(
  t: TestContext,
  options: Omit<SimulatorOptions, 'store'> = {},
  wrap: (store: ThirdPartyStore) => { system(name: string): KeyValueStore } = (store) => store,
): TestWorld {
  const dir = mkdtempSync(join(tmpdir(), 'sim-test-'));
  let store = openThirdPartyStore(dir);
  let simulators = createSimulators({ ...options, store: wrap(store) });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get store() {
      return store;
    },
    get connectors() {
      return simulators.connectors;
    },
    get controls() {
      return simulators.controls;
    },
    async reopen() {
      await store.close();
      store = openThirdPartyStore(dir);
      simulators = createSimulators({ ...options, store: wrap(store) });
    },
  };
}

/** The call context of one call of one item, keyed as the engine keys it. */
export function callOf(itemId: string, call: string): CallContext {
  return { itemId, idempotencyKey: callKey(itemId, call) };
}

/** An `assert.rejects` check for a permanent error of this category and reason. */
export function permanent(category: ErrorCategory, reason: string, message?: RegExp | string) {
  return (error: unknown): true => {
    assert.ok(error instanceof PermanentError, `expected a PermanentError, got ${String(error)}`);
    assert.equal(error.category, category);
    assert.equal(error.reason, reason);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  };
}

/** An `assert.rejects` check for a transient error. */
export function transient(error: unknown): true {
  assert.ok(error instanceof TransientError, `expected a TransientError, got ${String(error)}`);
  return true;
}
