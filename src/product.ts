// The product assembled from its configuration: the store, the simulated third parties over their
// own store, and the engine. `npm start`, the benchmarks and the
// product tests build it here (the crash tests' child wires the same parts itself, to add its fault points).
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from './config.ts';
import { STEPS } from './domain/index.ts';
import { createAccess, createEngine, type Access, type Engine, type EngineOptions } from './engine/index.ts';
import { createSimulators, type Simulators } from './sim/index.ts';
import { openStore, openThirdPartyStore, type EngineStore, type ThirdPartyStore } from './store/index.ts';

/** A running product. */
export interface Product {
  store: EngineStore;
  sims: Simulators;
  engine: Engine;
  /** Credentials: consumer-app keys, operator tokens, sessions. */
  access: Access;
  /** Stops the engine and closes both stores. */
  close(): Promise<void>;
}

/** Opens the stores in `config.dataDir` and builds the engine; call `engine.start()` next. */
export function openProduct(config: Config, engineOptions: Partial<EngineOptions> = {}): Product {
  const { store, thirdParty } = openStores(config.dataDir);
  const sims = createSimulators({ store: thirdParty, latencyMs: config.simLatencyMs, failureRate: config.simFailureRate, seed: config.simSeed });
  const engine = createEngine({
    store,
    connectors: sims.connectors,
    syncBudgetMs: config.syncBudgetMs,
    processSyncDeadlineMs: config.processSyncDeadlineMs,
    cancelDeadlineMs: config.cancelDeadlineMs,
    retry: backgroundRetries(config.backgroundRetry),
    ...engineOptions,
  });
  return {
    store,
    sims,
    engine,
    access: createAccess(store),
    async close() {
      await engine.stop();
      await store.close();
      await thirdParty.close();
    },
  };
}

/** The configured policy for every background step; the synchronous steps retry within the request's budget. */
function backgroundRetries(policy: Config['backgroundRetry']): EngineOptions['retry'] {
  return Object.fromEntries(STEPS.filter((step) => !step.sync).map((step) => [step.name, { ...policy, factor: 2 }]));
}

/** Both stores; a data directory that cannot hold them is a configuration error naming DATA_DIR. */
function openStores(dir: string): { store: EngineStore; thirdParty: ThirdPartyStore } {
  const refuse = (why: string) => new ConfigError(`DATA_DIR "${dir}" ${why}`);
  let found;
  try {
    found = statSync(dir, { throwIfNoEntry: false });
  } catch (error) {
    throw refuse(`cannot hold the stores: ${(error as Error).message}`);
  }
  if (found && !found.isDirectory()) throw refuse('is not a directory');
  let store: EngineStore | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK);
    store = openStore(dir);
    return { store, thirdParty: openThirdPartyStore(join(dir, 'third-parties')) };
  } catch (error) {
    void store?.close();
    // A file system's refusal is about the directory; anything else is a fault, with its stack.
    if (!FILE_SYSTEM_REFUSALS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    throw refuse(`cannot hold the stores: ${(error as Error).message}`);
  }
}

const FILE_SYSTEM_REFUSALS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'EISDIR', 'ENAMETOOLONG', 'ELOOP']);
